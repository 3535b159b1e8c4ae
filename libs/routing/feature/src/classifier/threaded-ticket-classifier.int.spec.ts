import { shippedClassifierModels } from './classifier-models.provider';
import { InlineTicketClassifier } from './ticket-classifier';
import { ThreadedTicketClassifier } from './threaded-ticket-classifier';

const inputs = [
  { body: 'my withdrawal is stuck pending for five hours' },
  { subject: 'KYC', body: 'Mi pasaporte fue rechazado dos veces' },
  { body: '合约被强平了，强平价格和指数价格差太多' },
  { body: '😡😡😡' },
];

describe('ThreadedTicketClassifier', () => {
  const models = shippedClassifierModels();
  const inline = new InlineTicketClassifier(models);

  it('answers what the inline classifier answers, from worker threads sharing the weights', async () => {
    const threaded = new ThreadedTicketClassifier(models, 2);
    try {
      const verdicts = await Promise.all(inputs.map((input) => threaded.classify(input)));
      const expected = await Promise.all(inputs.map((input) => inline.classify(input)));
      expect(verdicts.map(({ category, language, modelVersion }) => ({ category, language, modelVersion }))).toEqual(
        expected.map(({ category, language, modelVersion }) => ({ category, language, modelVersion })),
      );
      verdicts.forEach((verdict, index) => expect(verdict.confidence).toBeCloseTo(expected[index].confidence, 5));
    } finally {
      await threaded.onModuleDestroy();
    }
  });

  it('still answers once its threads are gone', async () => {
    const threaded = new ThreadedTicketClassifier(models, 1);
    await threaded.onModuleDestroy();
    expect((await threaded.classify(inputs[0])).category).toBe((await inline.classify(inputs[0])).category);
  });
});
