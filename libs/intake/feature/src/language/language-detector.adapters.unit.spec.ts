import { Test } from '@nestjs/testing';
import type { Language } from '@ticketing/contracts';
import { resolveLanguage } from '@ticketing/intake-domain';
import { LANGUAGE_DETECTOR, type LanguageDetector } from './language-detector.port';
import { ThreadedLanguageDetector } from './threaded-language-detector.adapter';
import { EldLanguageDetector, languageDetectorProvider, type EldLanguageDetectorOptions } from './eld-language-detector.adapter';

const ticket = (subject: string, body: string) => `${subject}\n${body}`;

const SAMPLES: readonly (readonly [Language, string])[] = [
  ['en', ticket('Withdrawal stuck', 'I withdrew 500 USDT on TRC20 three hours ago and it still shows pending. Can you check what is wrong?')],
  ['en', ticket('Lost my 2FA', 'I lost my phone and cannot log in because of two-factor authentication. How do I reset it?')],
  ['zh', ticket('提现未到账', '我三个小时前在TRC20网络提现了500 USDT，现在仍然显示处理中，请帮我查一下。')],
  ['zh', ticket('二次验证丢失', '我的手机丢了，无法通过谷歌验证器登录账户，请问如何重置？')],
  ['ru', ticket('Вывод завис', 'Я вывел 500 USDT через TRC20 три часа назад, но статус до сих пор «в обработке». Проверьте, пожалуйста.')],
  ['ru', ticket('Потерял 2FA', 'Я потерял телефон и не могу войти в аккаунт из-за двухфакторной аутентификации. Как её сбросить?')],
  ['es', ticket('Retiro atascado', 'Retiré 500 USDT por TRC20 hace tres horas y todavía aparece como pendiente. ¿Pueden revisar qué pasa?')],
  ['es', ticket('Perdí mi 2FA', 'Perdí mi teléfono y no puedo iniciar sesión por la autenticación de dos factores. ¿Cómo la restablezco?')],
  ['tr', ticket('Çekim takıldı', 'Üç saat önce TRC20 ağı üzerinden 500 USDT çektim ama hâlâ beklemede görünüyor. Lütfen kontrol eder misiniz?')],
  ['tr', ticket('2FA kaybettim', 'Telefonumu kaybettim ve iki faktörlü doğrulama yüzünden hesabıma giriş yapamıyorum. Nasıl sıfırlayabilirim?')],
  ['vi', ticket('Rút tiền bị kẹt', 'Tôi đã rút 500 USDT qua mạng TRC20 cách đây ba giờ nhưng vẫn đang ở trạng thái chờ xử lý. Vui lòng kiểm tra giúp tôi.')],
  ['vi', ticket('Mất 2FA', 'Tôi bị mất điện thoại và không thể đăng nhập vì xác thực hai yếu tố. Làm sao để đặt lại?')],
  ['ko', ticket('출금 지연', '세 시간 전에 TRC20 네트워크로 500 USDT를 출금했는데 아직도 처리 중으로 나옵니다. 확인 부탁드립니다.')],
  ['ko', ticket('2단계 인증 분실', '휴대폰을 잃어버려서 2단계 인증 때문에 로그인할 수 없습니다. 어떻게 재설정하나요?')],
  ['ja', ticket('出金が反映されない', '3時間前にTRC20で500 USDTを出金しましたが、まだ処理中のままです。確認していただけますか？')],
  ['ja', ticket('二段階認証を紛失', 'スマートフォンをなくしてしまい、二段階認証のためログインできません。リセットする方法を教えてください。')],
];

type Detector = LanguageDetector & Partial<{ onModuleDestroy(): Promise<void> }>;

describe.each([
  ['EldLanguageDetector (on the calling thread)', (options?: Partial<EldLanguageDetectorOptions>): Detector => new EldLanguageDetector(options)],
  ['ThreadedLanguageDetector', (options?: Partial<EldLanguageDetectorOptions>): Detector => new ThreadedLanguageDetector(options)],
])('%s', (_name, create) => {
  const made: Detector[] = [];
  const detectorWith = (options?: Partial<EldLanguageDetectorOptions>): Detector => {
    const detector = create(options);
    made.push(detector);
    return detector;
  };
  const detector = detectorWith();
  afterAll(() => Promise.all(made.map((each) => each.onModuleDestroy?.())));

  it.each(SAMPLES)('detects %s in a support ticket and the ticket is handled in it', async (language, text) => {
    const detected = await detector.detect(text);
    expect(detected).toBe(language);
    expect(resolveLanguage(null, detected)).toEqual({ language, languageGiven: null, detectedLanguage: language, languageFallback: false });
  });

  it('detects a language support is not staffed for, and the ticket falls back to en with the flag', async () => {
    const german = ticket(
      'Auszahlung hängt',
      'Ich habe vor drei Stunden 500 USDT über TRC20 abgehoben und die Auszahlung wird immer noch als ausstehend angezeigt. Können Sie das bitte prüfen?',
    );
    const detected = await detector.detect(german);
    expect(detected).toBe('de');
    expect(resolveLanguage(null, detected)).toEqual({ language: 'en', languageGiven: null, detectedLanguage: 'de', languageFallback: true });
  });

  it('keeps the language the customer gave even when the text reads otherwise', async () => {
    const detected = await detector.detect(SAMPLES[0][1]);
    expect(resolveLanguage('tr', detected)).toEqual({ language: 'tr', languageGiven: 'tr', detectedLanguage: 'en', languageFallback: false });
  });

  it.each([
    ['a greeting', 'hi'],
    ['a two-word reply', 'ok\nok'],
    ['two words of several languages', 'cant login'],
    ['only a tx hash and numbers', 'tx\n0x3a1f9c2e5b7d4a6c8e0f1b3d5a7c9e1f3b5d7a9c1e3f5b7d9a1c3e5f7b9d1a3c 500'],
    ['only tickers', 'USDT TRC20 500'],
    ['nothing', ''],
  ])('detects nothing in %s', async (_name, text) => {
    expect(await detector.detect(text)).toBeNull();
    expect(resolveLanguage(null, await detector.detect(text))).toMatchObject({ language: 'en', detectedLanguage: null, languageFallback: true });
  });

  it('detects nothing in fewer letters than asked for', async () => {
    const russian = SAMPLES[4][1];
    expect(await detector.detect(russian)).toBe('ru');
    expect(await detectorWith({ minLetters: 500 }).detect(russian)).toBeNull();
  });

  it('tells Russian from the languages that share its script', async () => {
    expect(await detector.detect('Добрий день! Не можу вивести кошти вже другий день, заявка висить в очікуванні. Допоможіть, будь ласка.')).toBe('uk');
    expect(await detector.detect('Здравейте, тегленето ми е блокирано от три часа, моля проверете')).toBe('bg');
  });

  it('judges a long text by its opening: what follows the first 1,000 characters does not change the verdict', async () => {
    const spanish = SAMPLES[6][1];
    const opening = `${spanish} `.repeat(Math.ceil(1_000 / (spanish.length + 1))).slice(0, 1_000);
    expect(await detector.detect(`${opening}${SAMPLES[4][1].repeat(50)}`)).toBe('es');
  });
});

describe('languageDetectorProvider', () => {
  it.each([
    ['languageDetectorProvider', languageDetectorProvider],
    ['useClass', { provide: LANGUAGE_DETECTOR, useClass: EldLanguageDetector }],
  ])('is what LANGUAGE_DETECTOR resolves to with %s, with the default thresholds', async (_name, provider) => {
    const moduleRef = await Test.createTestingModule({ providers: [provider] }).compile();
    const bound = moduleRef.get<LanguageDetector>(LANGUAGE_DETECTOR);
    expect(bound).toBeInstanceOf(EldLanguageDetector);
    expect(await bound.detect(SAMPLES[6][1])).toBe('es');
    expect(await bound.detect('ok\nok')).toBeNull();
  });
});

describe('ThreadedLanguageDetector', () => {
  it('gives each of many concurrent requests its own verdict, across its threads', async () => {
    const detector = new ThreadedLanguageDetector({ threads: 2 });
    const asked = Array.from({ length: 48 }, (_, index) => SAMPLES[index % SAMPLES.length]);
    const verdicts = await Promise.all(asked.map(([, text]) => detector.detect(text)));
    expect(verdicts).toEqual(asked.map(([language]) => language));
    await detector.onModuleDestroy();
  });

  it('answers what its threads still held when they stop, then answers on the calling thread', async () => {
    const detector = new ThreadedLanguageDetector();
    const before = SAMPLES.map(([, text]) => detector.detect(text));
    // Let the batch go out to the worker, then stop it under the batch.
    await Promise.resolve();
    await detector.onModuleDestroy();
    expect(await Promise.all(before)).toEqual(SAMPLES.map(([language]) => language));
    expect(await detector.detect(SAMPLES[4][1])).toBe('ru');
  });
});
