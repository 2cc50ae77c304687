import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { durableSchema } from '../../../config/schema/index.js';
import { MemoryDurableStore } from '../../../gateway/durable/memory-store.js';
import { createDurableStore } from '../../../gateway/durable/create-durable-store.js';
import { durableConformance } from './conformance.js';

describe('memory durable store', () => {
  const store = new MemoryDurableStore();
  durableConformance(async () => ({ name: 'memory', open: async () => store, survivesReopen: false }));

  it('keeps a copy: changing a value after writing or reading it changes nothing stored', async () => {
    const value = { list: [1] };
    await store.put('copy', value, 'any');
    value.list.push(2);
    const read = (await store.get<{ list: number[] }>('copy'))!;
    read.value.list.push(3);
    expect((await store.get('copy'))?.value).toEqual({ list: [1] });
  });

  it('is refused under NODE_ENV=production', async () => {
    const config = { durable: durableSchema.parse({ backend: 'memory' }) };
    await expect(createDurableStore(config, '/tmp', { configDir: '/tmp', env: { NODE_ENV: 'production' }, log: pino({ level: 'silent' }) })).rejects.toMatchObject({
      code: 'GW_DEV_SHORTCUT_IN_PRODUCTION',
    });
  });
});
