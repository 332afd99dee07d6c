/**
 * The JetStream resources of the bus, created or updated at start so that a fresh
 * server, or one whose limits were changed in configuration, converges without an
 * operator running `nats stream add`. Every call is idempotent: replicas starting at
 * once all ensure the same config.
 *
 * Works with nats-server 2.9: a single `filter_subject` per consumer (no
 * `filter_subjects`), and no consumer-create "action" (on 2.9 a create with a changed
 * config of an existing durable updates it; on 2.10+ the client's `update` is used).
 */
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { ConsumerInfo, JetStreamManager, StreamConfig, StreamInfo } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { InputError } from "../../core/errors.js";
import type { SubjectNames } from "../subjects.js";
import { STAGES } from "../subjects.js";

/** Limits of the work stream and the dead-letter stream. */
export interface StreamOptions {
  /** Work stream name. Default `AIOPS`. */
  name?: string;
  /** How long the work stream keeps messages. Default 7 days. */
  maxAgeMs?: number;
  /** Size cap of the work stream (oldest dropped first). Default 1 GiB. */
  maxBytes?: number;
  /** Publishes with the same idempotency key within this window are stored once. Default 2 min. */
  duplicateWindowMs?: number;
  /** Dead-letter stream name. Default `<name>_DLQ`. */
  deadLetterName?: string;
  /** How long dead letters are kept. Default 30 days. */
  deadLetterMaxAgeMs?: number;
  /** Size cap of the dead-letter stream, so a flood of poison cannot fill the disk. Default 1 GiB. */
  deadLetterMaxBytes?: number;
}

export interface ResolvedStreams {
  stream: string;
  deadLetterStream: string;
}

export interface DurableConsumerOptions {
  /** The durable name, shared by the replicas of one agent. */
  durable: string;
  /** The one subject this consumer reads (a stage's subject). */
  filterSubject: string;
  /** Time to ack before redelivery (handlers extend it with `working()`). Default 30 000. */
  ackWaitMs?: number;
  /** Deliveries the server makes at most. Default 5. */
  maxDeliver?: number;
  /** When the consumer is created: start at new messages instead of the stream's first. */
  fromNow?: boolean;
}

const DAY_MS = 24 * 3600 * 1000;
const GIB = 1024 * 1024 * 1024;
/** nats-server's "stream name already in use with a different configuration". */
const STREAM_NAME_IN_USE = 10058;
/** nats-server 2.10+: "consumer already exists" when a create would change the config. */
const CONSUMER_ALREADY_EXISTS = 10148;

export const DEFAULT_STREAM_OPTIONS = {
  name: "AIOPS",
  maxAgeMs: 7 * DAY_MS,
  maxBytes: GIB,
  duplicateWindowMs: 2 * 60_000,
  deadLetterMaxAgeMs: 30 * DAY_MS,
  deadLetterMaxBytes: GIB,
} as const;

/** The stage subjects the work stream holds. */
export function stageSubjects(subjects: SubjectNames): string[] {
  return STAGES.map((stage) => subjects[stage]);
}

/** The two stream configs, for inspection and tests. */
export function streamConfigs(
  subjects: SubjectNames,
  options: StreamOptions = {},
): { work: Partial<StreamConfig> & { name: string }; deadLetter: Partial<StreamConfig> & { name: string } } {
  const name = natsName(options.name ?? DEFAULT_STREAM_OPTIONS.name, "stream.name");
  const deadLetterName = natsName(options.deadLetterName ?? `${name}_DLQ`, "stream.deadLetterName");
  if (deadLetterName === name)
    throw new InputError("the dead-letter stream needs its own name", "deadLetterName");
  const maxAgeMs = positive(options.maxAgeMs ?? DEFAULT_STREAM_OPTIONS.maxAgeMs, "maxAgeMs");
  const duplicateWindowMs = positive(
    options.duplicateWindowMs ?? DEFAULT_STREAM_OPTIONS.duplicateWindowMs,
    "duplicateWindowMs",
  );
  const work = stageSubjects(subjects);
  if (new Set([...work, subjects.deadLetter]).size !== work.length + 1) {
    throw new InputError("the stage and dead-letter subjects must all differ", "subjects");
  }
  const deadLetterMaxAgeMs = positive(
    options.deadLetterMaxAgeMs ?? DEFAULT_STREAM_OPTIONS.deadLetterMaxAgeMs,
    "deadLetterMaxAgeMs",
  );
  return {
    work: {
      name,
      subjects: work,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(maxAgeMs),
      max_bytes: positive(options.maxBytes ?? DEFAULT_STREAM_OPTIONS.maxBytes, "maxBytes"),
      // The server rejects a window longer than max_age.
      duplicate_window: nanos(Math.min(duplicateWindowMs, maxAgeMs)),
      num_replicas: 1,
    },
    deadLetter: {
      name: deadLetterName,
      subjects: [subjects.deadLetter],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(deadLetterMaxAgeMs),
      max_bytes: positive(
        options.deadLetterMaxBytes ?? DEFAULT_STREAM_OPTIONS.deadLetterMaxBytes,
        "deadLetterMaxBytes",
      ),
      duplicate_window: nanos(Math.min(DEFAULT_STREAM_OPTIONS.duplicateWindowMs, deadLetterMaxAgeMs)),
      num_replicas: 1,
    },
  };
}

/** Creates both streams, or updates them to this config. */
export async function ensureStreams(
  jsm: JetStreamManager,
  subjects: SubjectNames,
  options: StreamOptions = {},
): Promise<ResolvedStreams> {
  const { work, deadLetter } = streamConfigs(subjects, options);
  await ensureStream(jsm, work);
  await ensureStream(jsm, deadLetter);
  return { stream: work.name, deadLetterStream: deadLetter.name };
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<StreamInfo> {
  try {
    // An add with the same config as the existing stream succeeds and changes nothing.
    return await jsm.streams.add(config);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE) {
      return jsm.streams.update(config.name, config);
    }
    throw error;
  }
}

/** The consumer config of one durable of one stage. */
export function consumerConfig(options: DurableConsumerOptions) {
  return {
    durable_name: natsName(options.durable, "durable"),
    filter_subject: options.filterSubject,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(positive(options.ackWaitMs ?? 30_000, "ackWaitMs")),
    max_deliver: Math.trunc(positive(options.maxDeliver ?? 5, "maxDeliver")),
    // Fixed at creation (the server refuses to change it), so an update passes the same value.
    deliver_policy: options.fromNow ? DeliverPolicy.New : DeliverPolicy.All,
  };
}

/** Creates the durable pull consumer, or updates it to this config (e.g. a new max_deliver). */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  options: DurableConsumerOptions,
): Promise<ConsumerInfo> {
  const config = consumerConfig(options);
  try {
    return await jsm.consumers.add(stream, config);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === CONSUMER_ALREADY_EXISTS) {
      const { durable_name: durable, ...update } = config;
      return jsm.consumers.update(stream, durable, update);
    }
    throw error;
  }
}

/** Stream and consumer names: no dots, wildcards, whitespace or path separators. */
function natsName(value: string, field: string): string {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(value)) {
    throw new InputError(
      `${field} must be letters, digits, - and _ only (got ${JSON.stringify(value)})`,
      field,
    );
  }
  return value;
}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new InputError(`${field} must be a positive number`, field);
  return value;
}
