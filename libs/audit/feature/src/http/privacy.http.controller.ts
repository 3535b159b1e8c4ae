import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { ApiProblems, CurrentActor, Operation, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { CustomerErasureService, type CustomerPrivacyStatus, type ErasureReport } from '../privacy/customer-erasure.service';

export class EraseCustomerDataRequest {
  @ApiPropertyOptional({ maxLength: 1000, description: 'Why, e.g. the request reference; recorded with the erasure' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  reason?: string;
}

const INSTANT = { type: String, format: 'date-time', maxLength: 35 } as const;
const KEY_ID = { type: String, format: 'uuid', maxLength: 36 } as const;
const CUSTOMER_ID = { type: String, maxLength: 255, description: 'The customer (their token subject)' } as const;
// A key per erasure and the one after it: a customer erased a thousand times is not a real case.
const MAX_KEYS = 1_000;

class SubjectKeyResponse {
  @ApiProperty(KEY_ID) id!: string;
  @ApiProperty(INSTANT) createdAt!: string;
  @ApiProperty({ ...INSTANT, nullable: true }) erasedAt!: string | null;
}

export class CustomerPrivacyResponse {
  @ApiProperty(CUSTOMER_ID) customerId!: string;
  @ApiProperty({ description: 'True once every key the customer had is destroyed' }) erased!: boolean;
  @ApiProperty({ type: [SubjectKeyResponse], maxItems: MAX_KEYS }) keys!: SubjectKeyResponse[];
}

export class ErasureResponse {
  @ApiProperty(CUSTOMER_ID) customerId!: string;
  @ApiProperty(INSTANT) erasedAt!: string;
  @ApiProperty({ type: 'array', items: { type: 'string', format: 'uuid', maxLength: 36 }, maxItems: MAX_KEYS, description: 'Keys destroyed now (empty when an earlier erasure destroyed them all)' }) destroyedKeyIds!: string[];
  @ApiProperty({ ...KEY_ID, description: 'The CustomerDataErased event, on privacy-<customerId>' }) eventId!: string;
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Its global position' }) position!: number;
}

const customerParam = ApiParam({ name: 'customerId', description: 'The customer (their token subject)', schema: { type: 'string', minLength: 1, maxLength: 255 } });

/** Erasure over REST: admins destroy a customer's keys (crypto-shredding); auditors and admins see the status. */
@ApiTags('privacy')
@ApiBearerAuth()
@Controller('privacy/customers')
export class PrivacyHttpController {
  constructor(private readonly erasure: CustomerErasureService) {}

  @Get(':customerId')
  @Roles('auditor', 'admin')
  @customerParam
  @ApiProblems(400, 404)
  @Operation('getCustomerPrivacy', {
    summary: 'Whether a customer’s personal data is erased',
    description: 'Auditors, admins. The keys the customer’s personal data was sealed under, live or destroyed. 404 when nothing of theirs was ever sealed.',
  })
  @ApiOkResponse({ type: CustomerPrivacyResponse })
  status(@Param('customerId') customerId: string): Promise<CustomerPrivacyStatus> {
    return this.erasure.status(customerId);
  }

  @Post(':customerId/erasure')
  @HttpCode(200)
  @Roles('admin')
  @customerParam
  @ApiProblems(400, 404)
  @Operation('eraseCustomerData', {
    summary: 'Erase a customer’s personal data, keeping the proof',
    description:
      'Admins. Destroys every key the customer’s personal data (names, addresses, message bodies, handles, wallet details, statements) was sealed under: it reads `[erased]` everywhere, read models included (rebuilt), while every hash chain still verifies. Ids, times, amounts, categories, SLA results and metrics stay. Irreversible. Repeating it destroys nothing more and is recorded again. Recorded as CustomerDataErased.',
  })
  @ApiOkResponse({ type: ErasureResponse })
  erase(@Param('customerId') customerId: string, @Body() request: EraseCustomerDataRequest, @CurrentActor() actor: AuthenticatedActor): Promise<ErasureReport> {
    return this.erasure.erase(customerId, actor, { reason: request.reason, via: 'api' });
  }
}
