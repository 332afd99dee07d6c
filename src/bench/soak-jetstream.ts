/**
 * What the soak reads from JetStream itself rather than from the agents: the backlog of
 * each durable consumer and the size of the incident bucket. Cheap for the server and
 * independent of the agents' /metrics, whose scrape reads every stored incident.
 */
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";

export interface JetStreamFigures {
  /** Messages not yet delivered or not yet acknowledged, per durable consumer of the work stream. */
  backlog: Record<string, number>;
  /** Entries of the KV bucket's stream (an incident is one `inc.` entry plus its pointers). */
  kvEntries: number;
  kvMb: number;
}

export interface JetStreamProbe {
  read(): Promise<JetStreamFigures>;
  close(): Promise<void>;
}

export async function openJetStreamProbe(
  url: string,
  stream: string,
  bucket: string,
): Promise<JetStreamProbe> {
  const nc: NatsConnection = await connect({ servers: url });
  const jsm: JetStreamManager = await jetstreamManager(nc);
  return {
    async read() {
      const backlog: Record<string, number> = {};
      for await (const c of jsm.consumers.list(stream)) {
        backlog[c.name] = c.num_pending + c.num_ack_pending;
      }
      const kv = await jsm.streams.info(`KV_${bucket}`);
      return { backlog, kvEntries: kv.state.messages, kvMb: kv.state.bytes / (1024 * 1024) };
    },
    close: () => nc.close(),
  };
}

/** The backlog of every consumer together. */
export function totalBacklog(figures: JetStreamFigures | undefined): number {
  if (!figures) return Number.NaN;
  return Object.values(figures.backlog).reduce((a, b) => a + b, 0);
}
