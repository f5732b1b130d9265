// The OpenAI simulator's POST /v1/chat/completions: the request checks and the response shape of
// openai/openai-openapi openapi.yaml (CreateChatCompletionRequest, CreateChatCompletionResponse,
// CompletionUsage), and the usage it books into the Usage and Costs APIs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { utcDayStart } from '../providers/values.js';
import { OPENAI_MODELS, OPENAI_PROJECTS, OpenAISimulator } from './openai.js';

const KEY = 'sk-proj-chat-test-000000000000';
let sim: OpenAISimulator;
const clock = new Date('2026-03-10T12:00:00Z');

async function chat(
  body: unknown,
  key = KEY
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${sim.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

const ask = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
};

describe('OpenAI simulator: chat completions', () => {
  before(async () => {
    sim = new OpenAISimulator({ adminKey: 'sk-admin-chat-test-00000000000', projectKey: KEY });
    sim.now = () => clock;
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });

  it('answers a chat.completion with the documented fields, the dated model and consistent usage', async () => {
    const { status, json } = await chat(ask);
    assert.equal(status, 200);
    for (const field of ['id', 'object', 'created', 'model', 'choices', 'usage']) assert.ok(field in json, field);
    assert.equal(json.object, 'chat.completion');
    assert.equal(json.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(json.created, Math.floor(clock.getTime() / 1000));
    const [choice] = json.choices as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(choice!).sort(), ['finish_reason', 'index', 'logprobs', 'message']);
    assert.equal((choice!.message as { role: string }).role, 'assistant');
    const usage = json.usage as {
      prompt_tokens: number;
      completion_tokens: number;
      total_tokens: number;
      completion_tokens_details: { reasoning_tokens: number };
    };
    assert.ok(
      usage.prompt_tokens > 0 && usage.completion_tokens > 0,
      'usage.prompt_tokens > 0 && usage.completion_tokens > 0'
    );
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.equal(usage.completion_tokens_details.reasoning_tokens, 0);
  });

  it('honours max_completion_tokens, and o3 models report reasoning tokens', async () => {
    const capped = await chat({ ...ask, max_completion_tokens: 5 });
    assert.equal((capped.json.usage as { completion_tokens: number }).completion_tokens, 5);
    const o3 = await chat({ ...ask, model: 'o3-mini' });
    const details = (o3.json.usage as { completion_tokens_details: { reasoning_tokens: number } })
      .completion_tokens_details;
    assert.equal(o3.json.model, 'o3-mini-2025-01-31');
    assert.ok(details.reasoning_tokens > 0, 'details.reasoning_tokens > 0');
  });

  it('books each answer’s tokens into the day’s usage bucket and its cost', async () => {
    const day = utcDayStart(clock);
    const model = 'gpt-4o-2024-08-06';
    const row = () => sim.usage(day).find((r) => r.model === model && r.project === OPENAI_PROJECTS[0])!;
    const cost = () =>
      sim
        .costs(day)
        .filter((c) => c.lineItem.startsWith(`${model},`) && c.project === OPENAI_PROJECTS[0])
        .reduce((n, c) => n + c.usd, 0);
    const before = { ...row() };
    const usdBefore = cost();
    const { json } = await chat({ ...ask, model: 'gpt-4o' });
    const usage = json.usage as { prompt_tokens: number; completion_tokens: number };
    const after = row();
    assert.deepEqual(
      [after.input - before.input, after.output - before.output, after.requests - before.requests],
      [usage.prompt_tokens, usage.completion_tokens, 1]
    );
    const spec = OPENAI_MODELS.find((m) => m.model === model)!;
    const expected = (usage.prompt_tokens * spec.inputPrice + usage.completion_tokens * spec.outputPrice) / 1e6;
    assert.ok(Math.abs(cost() - usdBefore - expected) < 1e-9, `${cost() - usdBefore} vs ${expected}`);
  });

  it('refuses what the API refuses', async () => {
    assert.equal((await chat(ask, '')).status, 401);
    const wrong = await chat(ask, 'sk-proj-wrong-00000000000000');
    assert.equal(wrong.status, 401);
    assert.match((wrong.json.error as { message: string }).message, /^Incorrect API key provided: sk-proj-\*\*\*\*/);
    const noModel = await chat({ messages: ask.messages });
    assert.deepEqual([noModel.status, (noModel.json.error as { param: string }).param], [400, 'model']);
    const noMessages = await chat({ model: 'gpt-4o', messages: [] });
    assert.deepEqual([noMessages.status, (noMessages.json.error as { param: string }).param], [400, 'messages']);
    const unknown = await chat({ ...ask, model: 'gpt-9' });
    assert.deepEqual([unknown.status, (unknown.json.error as { code: string }).code], [404, 'model_not_found']);
    // An embedding model is not a chat model, and an alias is not a prefix match.
    assert.equal((await chat({ ...ask, model: 'text-embedding-3-small' })).status, 404);
    assert.equal((await chat({ ...ask, model: 'gpt-4' })).status, 404);
  });

  it('takes injected faults on the chat path only', async () => {
    sim.inject({ kind: 'status', status: 429, retryAfter: 2 }, { path: 'chat/completions' });
    const limited = await chat(ask);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.equal((limited.json.error as { code: string }).code, 'rate_limit_exceeded');
    assert.equal((await chat(ask)).status, 200);
  });
});
