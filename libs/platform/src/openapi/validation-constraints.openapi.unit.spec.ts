import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DECORATORS } from '@nestjs/swagger/dist/constants';
import { ArrayMaxSize, IsIn, IsInt, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { documentValidationConstraints, patternMaxLength } from './validation-constraints.openapi';

class SampleDto {
  @ApiProperty() @Length(2, 40) name!: string;
  @ApiProperty({ maxLength: 10 }) @Length(1, 99) explicitWins!: string;
  @ApiProperty() @Matches(/^[A-Z0-9_-]{2,20}$/) network!: string;
  @ApiProperty() @Matches(/^[a-z]+$/i) caseless!: string;
  @ApiProperty() @IsUUID() id!: string;
  @ApiPropertyOptional() @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ enum: ['a', 'b'] }) @ArrayMaxSize(2) @IsIn(['a', 'b'], { each: true }) kinds?: string[];
}

const metadata = (property: keyof SampleDto) => Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, SampleDto.prototype, property) as Record<string, unknown>;

describe('class-validator constraints in the OpenAPI document', () => {
  beforeAll(() => documentValidationConstraints());

  it('states lengths, patterns, formats, ranges and array sizes the validators enforce', () => {
    expect(metadata('name')).toMatchObject({ minLength: 2, maxLength: 40 });
    expect(metadata('network')).toMatchObject({ pattern: '^[A-Z0-9_-]{2,20}$', maxLength: 20 });
    expect(metadata('id')).toMatchObject({ format: 'uuid', maxLength: 36 });
    expect(metadata('limit')).toMatchObject({ type: 'integer', format: 'int32', minimum: 1, maximum: 100 });
    expect(metadata('kinds')).toMatchObject({ type: 'array', maxItems: 2, items: { type: 'string', enum: ['a', 'b'] } });
    expect(metadata('kinds')).not.toHaveProperty('enum');
  });

  it('keeps what @ApiProperty says, and leaves out a pattern whose flags JSON Schema cannot say', () => {
    expect(metadata('explicitWins')).toMatchObject({ minLength: 1, maxLength: 10 });
    expect(metadata('caseless')).not.toHaveProperty('pattern');
  });

  it.each([
    ['^[A-Z0-9]{2,15}$', 15],
    ['^[a-z][a-z0-9_]{1,63}$', 64],
    ['^\\d{1,15}$', 15],
    ['^ab?c{3}\\.$', 6],
    ['^[A-Za-z0-9_-]+$', undefined],
    ['^(a|b){2}$', undefined],
    ['[A-Z]{2}', undefined],
    ['^[a-z]{2,}$', undefined],
  ])('bounds %s at %s characters', (pattern, length) => {
    expect(patternMaxLength(pattern)).toBe(length);
  });
});
