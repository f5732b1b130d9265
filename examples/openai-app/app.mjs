// An app that calls OpenAI's Chat Completions API with the official `openai` client, the way any app
// does. Nothing here knows about OpenTelemetry or Nexus: instrument.mjs (loaded with --import) records
// the calls and exports them over OTLP to Nexus' receiver.
//
//   OPENAI_API_KEY, OPENAI_BASE_URL   the client's standard settings (the simulator's URL in the demo)
//   APP_MODELS                        models to rotate through (default gpt-4o-mini,gpt-4o)
//   APP_INTERVAL_MS                   pause between calls (default 2000)
//   APP_CALLS                         stop after this many calls (default: run until stopped)
//   OPENAI_MAX_RETRIES, OPENAI_TIMEOUT_MS   the client's retries (default 0, so every error shows) and timeout
import OpenAI from 'openai';

const client = new OpenAI({
  maxRetries: Number(process.env.OPENAI_MAX_RETRIES ?? 0),
  timeout: Number(process.env.OPENAI_TIMEOUT_MS ?? 30_000),
});
const models = (process.env.APP_MODELS ?? 'gpt-4o-mini,gpt-4o')
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean);
const interval = Number(process.env.APP_INTERVAL_MS ?? 2000);
const calls = process.env.APP_CALLS === undefined ? Infinity : Number(process.env.APP_CALLS);
const questions = [
  'What is the capital of France?',
  'Summarise the plot of Hamlet in one sentence.',
  'Name three prime numbers.',
  'Translate "good morning" into Spanish.',
];

// Started by the Nexus demo (with an IPC channel): stop with it, and do not wait for the channel.
process.once('disconnect', () => process.exit(0));
process.channel?.unref();

const outcomes = {};
for (let i = 0; i < calls; i++) {
  const model = models[i % models.length];
  try {
    const answer = await client.chat.completions.create({
      model,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: questions[i % questions.length] },
      ],
    });
    outcomes.ok = (outcomes.ok ?? 0) + 1;
    outcomes.tokens = (outcomes.tokens ?? 0) + (answer.usage?.total_tokens ?? 0);
  } catch (e) {
    const type = e?.constructor?.name ?? 'Error';
    outcomes[type] = (outcomes[type] ?? 0) + 1;
  }
  if (i + 1 < calls) await new Promise((r) => setTimeout(r, interval));
}

// Export what is left before exiting.
await globalThis.__meterProvider?.shutdown();
console.log(JSON.stringify({ calls, outcomes }));
