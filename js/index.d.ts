// Type declarations for @welcome-pointers/wasm, written by hand and
// checked with `tsc --noEmit -p js` (see test/types/usage.ts).

/** The package version; init() refuses a module built for another. */
export declare const VERSION: string;

/** The global name the module registers its one namespace object under. */
export declare const NAMESPACE: '__welcomePointers';

// ---------------------------------------------------------------- errors

/** Stable error codes. A code never changes meaning once released. */
export declare const ErrorCode: {
  /** A wrong type, a missing value, a number out of range, an unknown option. */
  readonly ARGUMENT: 'ERR_ARGUMENT';
  /** A function was called before init() resolved. */
  readonly NOT_INITIALIZED: 'ERR_NOT_INITIALIZED';
  /** init() was called again with a different module. */
  readonly ALREADY_INITIALIZED: 'ERR_ALREADY_INITIALIZED';
  /** The WASM module and this package are different versions (or wasm_exec.js is from another Go). */
  readonly VERSION_MISMATCH: 'ERR_VERSION_MISMATCH';
  /** The WASM module could not be fetched, read or compiled. */
  readonly LOAD: 'ERR_LOAD';
  /** Bytes that are not a well-formed message of the expected kind. */
  readonly MALFORMED: 'ERR_MALFORMED';
  /** A ciphertext did not open (one code for every decryption failure). */
  readonly DECRYPT: 'ERR_DECRYPT';
  /** The message is not addressed to any of the given keys. */
  readonly NO_MATCHING_KEY: 'ERR_NO_MATCHING_KEY';
  /** An algorithm, AEAD type or KEM id this package does not implement. */
  readonly UNSUPPORTED: 'ERR_UNSUPPORTED';
  /** The first message on a pointer's topic is not a pointee. Final. */
  readonly NOT_POINTEE: 'ERR_NOT_POINTEE';
  /** A message or argument over its size limit, refused before decryption. */
  readonly TOO_LARGE: 'ERR_TOO_LARGE';
  /** A public or private key of the wrong size, or one that fails validation. */
  readonly INVALID_KEY: 'ERR_INVALID_KEY';
  /** A pending pointer passed its expiry. */
  readonly EXPIRED: 'ERR_EXPIRED';
  /** A pending pointer used up its attempts. */
  readonly ATTEMPTS_EXHAUSTED: 'ERR_ATTEMPTS_EXHAUSTED';
  /** sealInvite was aborted through its signal. */
  readonly ABORTED: 'ERR_ABORTED';
  /** fetchFirstMessage threw or returned something that is not bytes. */
  readonly FETCH: 'ERR_FETCH';
  /** fetchFirstMessage (or the app's welcome handler) did not settle in time. */
  readonly TIMEOUT: 'ERR_TIMEOUT';
  /** No message on the pointer's topic yet (a pending record's lastError; never thrown). */
  readonly NOT_FOUND: 'ERR_NOT_FOUND';
  /** The app did not accept a delivered welcome. */
  readonly REJECTED: 'ERR_REJECTED';
  /** IndexedDB failed. */
  readonly STORE: 'ERR_STORE';
  /** A stored record could not be read back; it was quarantined. */
  readonly CORRUPT_RECORD: 'ERR_CORRUPT_RECORD';
  /** The resolver or store was closed. */
  readonly CLOSED: 'ERR_CLOSED';
  /** A bug: a recovered Go panic, or the Go runtime is gone. */
  readonly INTERNAL: 'ERR_INTERNAL';
};

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Every failure of this package: an Error with a stable code. */
export declare class WelcomePointersError extends Error {
  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown });
  readonly name: 'WelcomePointersError';
  readonly code: ErrorCodeValue;
}

// ---------------------------------------------------------------- loading

export interface InitOptions {
  /**
   * Where to fetch the module. Default: dist/welcome-pointers.wasm next to
   * this package (fetched in browsers, read from disk for file: URLs in Node).
   */
  wasmURL?: string | URL;
  /** The module itself, compiled or as bytes or a (promised) Response. */
  wasmModule?: WebAssembly.Module | ArrayBuffer | ArrayBufferView | Response | PromiseLike<Response>;
}

export interface InitInfo {
  version: string;
  namespace: string;
}

/**
 * Loads the module once (later calls return the same promise; naming a
 * different module rejects with ERR_ALREADY_INITIALIZED). Rejects with
 * ERR_VERSION_MISMATCH when the module was built for another version,
 * ERR_LOAD when it cannot be loaded, ERR_ARGUMENT on bad options.
 */
export declare function init(options?: InitOptions): Promise<InitInfo>;

/** Whether init() has resolved. */
export declare function isInitialized(): boolean;

/**
 * Releases the module: new calls throw ERR_NOT_INITIALIZED at once, the
 * calls in flight finish, the Go side zeroes its cached keys and exits,
 * then the module's whole memory is zeroed and dropped. init() may be
 * called again. Resolves to the number of bytes zeroed (0 before init()).
 */
export declare function dispose(): Promise<{ memoryZeroed: number }>;

// ---------------------------------------------------------------- constants

/** Welcome wrapper algorithms (WelcomeWrapperAlgorithm). */
export declare const Algorithm: {
  readonly UNSPECIFIED: 0;
  /** DHKEM(X25519) HPKE: older installations. */
  readonly CURVE25519: 1;
  /** X-Wing (ML-KEM-768 + X25519) HPKE: the only algorithm pointers use. */
  readonly XWING: 2;
  /** Marks a pointee; never a key algorithm. */
  readonly SYMMETRIC_KEY: 3;
};
export type AlgorithmValue = (typeof Algorithm)[keyof typeof Algorithm];
/** The algorithms a key can have. */
export type KeyAlgorithm = typeof Algorithm.CURVE25519 | typeof Algorithm.XWING;

/** Pointee AEAD types (WelcomePointeeEncryptionAeadType). */
export declare const AeadType: {
  readonly UNSPECIFIED: 0;
  readonly CHACHA20_POLY1305: 3;
};

/** X-Wing KEM ids written into the HPKE suite_id. */
export declare const KemId: {
  /** 0x004D: what deployed clients use; the default. */
  readonly XWING_DEPLOYED: 0x004d;
  /** 0x647a: the registered code point. Receivers accept both. */
  readonly XWING: 0x647a;
};
export type KemIdValue = (typeof KemId)[keyof typeof KemId];

/** Key package extension types. */
export declare const ExtensionType: {
  readonly WRAPPER_ENCRYPTION: 0xff03;
  readonly POINTEE_AEAD_TYPES: 0xff04;
};

/** Pointers are used when at least this many installations can take them (3). */
export declare const MIN_POINTER_INSTALLATIONS: 3;
/** The network's payload cap and the default size limit (25 MiB). */
export declare const DEFAULT_MAX_MESSAGE_SIZE: number;

// ---------------------------------------------------------------- keys

/** A private key with its public key. Store privateKey secretly. */
export interface KeyPair {
  algorithm: KeyAlgorithm;
  /** 32 bytes: an X-Wing seed or an X25519 scalar. */
  privateKey: Uint8Array;
  /** 1216 bytes (X-Wing) or 32 bytes (X25519). */
  publicKey: Uint8Array;
}

/** A key to open welcomes with: only the private half is needed. */
export interface PrivateKeyInput {
  algorithm: number;
  privateKey: Uint8Array;
}

/** A new key pair (X-Wing unless told otherwise). */
export declare function generateKey(algorithm?: number): KeyPair;
/** Loads private key bytes and derives the public key. */
export declare function loadKey(algorithm: number, privateKey: Uint8Array): KeyPair;
/** Zeroes and forgets the private keys the module keeps loaded (its last 8). */
export declare function clearKeyCache(): void;
/** Throws ERR_INVALID_KEY or ERR_UNSUPPORTED unless the key is valid for the algorithm. */
export declare function validatePublicKey(algorithm: number, publicKey: Uint8Array): void;

// ---------------------------------------------------------------- key packages

/** The 0xff03 payload (WelcomeWrapperEncryption). */
export declare function encodeWrapperEncryption(publicKey: Uint8Array, algorithm?: number): Uint8Array;
export declare function decodeWrapperEncryption(payload: Uint8Array): { publicKey: Uint8Array; algorithm: number };
/** The 0xff04 payload; only CHACHA20_POLY1305 may be advertised. Default [3]. */
export declare function encodePointeeAeadTypes(types?: readonly number[]): Uint8Array;
/** Decodes a 0xff04 payload; unknown values are kept. */
export declare function decodePointeeAeadTypes(payload: Uint8Array): number[];

/** A recipient installation, as read from its key package. */
export interface Installation {
  installationKey: Uint8Array;
  wrapperPublicKey: Uint8Array;
  wrapperAlgorithm: number;
  /** The parsed 0xff04 extension; null (or absent) when the key package has none. */
  pointeeAeadTypes?: readonly number[] | null;
}

/** An Installation as built by installationFromExtensions. */
export interface ParsedInstallation extends Installation {
  pointeeAeadTypes: number[] | null;
  /** Supports ChaCha20-Poly1305 pointees and has an X-Wing key. */
  pointerCapable: boolean;
}

export interface KeyPackageFields {
  installationKey: Uint8Array;
  /** The key package's HPKE init key: used (as CURVE25519) when 0xff03 is absent. */
  initKey?: Uint8Array | null;
  /** The 0xff03 payload, if any. */
  wrapperEncryption?: Uint8Array | null;
  /** The 0xff04 payload, if any. */
  pointeeAeadTypes?: Uint8Array | null;
}

export declare function installationFromExtensions(fields: KeyPackageFields): ParsedInstallation;

// ---------------------------------------------------------------- sealing

export interface SealOptions {
  /** X-Wing KEM id for the HPKE suite_id; default KemId.XWING_DEPLOYED. */
  kemId?: number;
  /** Per-message cap; default DEFAULT_MAX_MESSAGE_SIZE. */
  maxMessageSize?: number;
  /** Called now and then (and once at the end) with installations sealed so far. Exceptions are ignored. */
  onProgress?: (done: number, total: number) => void;
  /** Aborts sealInvite (rejects with ERR_ABORTED). */
  signal?: AbortSignal;
}

/** sealInvite's options: SealOptions and where to seal. */
export interface SealInviteOptions extends SealOptions {
  /**
   * Seal the pointers of big invites (at least 32 pointer-capable
   * installations) in this many Web Workers (browsers) or worker_threads
   * (Node), or 'auto': navigator.hardwareConcurrency or
   * os.availableParallelism(), at most 8. Default: this thread only. The
   * invite has the same shape and order either way.
   */
  workers?: number | 'auto';
}

export type OutgoingKind = 'pointee' | 'pointer' | 'direct';

/** One encoded WelcomeMessageInput to publish. */
export interface OutgoingMessage {
  kind: OutgoingKind;
  /** The recipient's installation key, or the destination for the pointee. */
  installationKey: Uint8Array;
  /** The encoded xmtp.mls.api.v1.WelcomeMessageInput. */
  message: Uint8Array;
}

/** Everything to publish, in order: pointee, pointers, direct welcomes. */
export interface Invite {
  messages: OutgoingMessage[];
  /** The pointee's topic, or null when no pointers are used. */
  destination: Uint8Array | null;
  pointers: number;
  direct: number;
  /** Total bytes to publish. */
  size: number;
}

/** A uint64 as a bigint (or a safe non-negative integer, or a decimal string). */
export type Uint64Input = bigint | number | string;

/**
 * Seals an invite for the installations (see Invite). Long work runs off
 * the calling task and yields to the event loop.
 */
export declare function sealInvite(
  welcome: Uint8Array,
  cursor: Uint64Input,
  installations: readonly Installation[],
  options?: SealInviteOptions,
): Promise<Invite>;

/** One direct welcome (an encoded WelcomeMessageInput V1). */
export declare function sealDirect(
  welcome: Uint8Array,
  cursor: Uint64Input,
  installation: Installation,
  options?: Omit<SealOptions, 'onProgress' | 'signal'>,
): Uint8Array;

// ---------------------------------------------------------------- opening

export interface OpenOptions {
  /** "message" (default): a WelcomeMessage as read from the network; "input": the published WelcomeMessageInput. */
  form?: 'message' | 'input';
  /** Refuse larger messages before any decryption; default DEFAULT_MAX_MESSAGE_SIZE. */
  maxMessageSize?: number;
}

/**
 * A decrypted pointer. `bytes` is its stored form and holds the pointee's
 * symmetric key: treat it as a secret. The other fields hold no secret.
 */
export interface PointerInfo {
  /** The WelcomePointer protobuf: what is stored and what openPointee takes. */
  bytes: Uint8Array;
  /** sha256(bytes) in hex: the pointer's identity (duplicates share it). */
  id: string;
  /** The 32-byte destination in hex. */
  destination: string;
  /** The pointee's topic on the v3 API (the destination). */
  topic: Uint8Array;
  /** The pointee's topic on the decentralized API (0x01 || destination). */
  decentralizedTopic: Uint8Array;
  aeadType: number;
}

interface ReceivedBase {
  /** Network id and creation time (0n for the input form). */
  id: bigint;
  createdNs: bigint;
  /** The installation the message was addressed to. */
  installationKey: Uint8Array;
  /** The X-Wing KEM id that opened it (0x004d or 0x647a), 0 for CURVE25519. */
  kemId: number;
}

export interface ReceivedDirect extends ReceivedBase {
  kind: 'direct';
  /** The TLS-serialized MLS Welcome. */
  welcome: Uint8Array;
  /** The message cursor (0n when the message carried none). */
  cursor: bigint;
  hasCursor: boolean;
}

export interface ReceivedPointer extends ReceivedBase {
  kind: 'pointer';
  /** Fetch the FIRST message on pointer.topic and open it with openPointee (or hand this to a resolver). */
  pointer: PointerInfo;
}

export type Received = ReceivedDirect | ReceivedPointer;

export interface OpenedPointee {
  welcome: Uint8Array;
  cursor: bigint;
  /** False when the pointee's metadata was empty (cursor 0). */
  hasCursor: boolean;
}

/** Opens a received welcome message (direct or pointer) with whichever key it is addressed to. */
export declare function openWelcome(message: Uint8Array, keys: readonly PrivateKeyInput[], options?: OpenOptions): Received;
/** Checks a pointer's stored form and describes it. */
export declare function parsePointer(bytes: Uint8Array): PointerInfo;
/**
 * Opens the pointee a pointer names. firstMessage must be the FIRST message
 * on the pointer's topic. ERR_DECRYPT and ERR_NOT_POINTEE are final.
 */
export declare function openPointee(pointer: PointerInfo | Uint8Array, firstMessage: Uint8Array, options?: OpenOptions): OpenedPointee;

// ---------------------------------------------------------------- inspection

export type InspectKind =
  | 'auto'
  | 'welcome_message'
  | 'welcome_message_input'
  | 'welcome_pointer'
  | 'hpke_ciphertext'
  | 'wrapper_encryption'
  | 'pointee_aead_types'
  | 'welcome_metadata';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A field of bytes: whole hex when short, else size and a hex prefix. */
export interface BytesView {
  size: number;
  hex?: string;
  hexPrefix?: string;
}

/**
 * A JSON-friendly view of a wire message: bytes as hex, enums by name,
 * uint64s as decimal strings. Nothing is decrypted (but a pointer
 * plaintext shows its key: it was asked for).
 */
export interface InspectView {
  /** The kind found (or asked for). */
  kind: Exclude<InspectKind, 'auto'>;
  size: number;
  [field: string]: JsonValue;
}

export declare function inspect(bytes: Uint8Array, kind?: InspectKind): InspectView;

/** What a node returns for a published WelcomeMessageInput (after the node's acceptance rules). */
export declare function toWelcomeMessage(input: Uint8Array, id: Uint64Input, createdNs: Uint64Input): Uint8Array;
/** The topic a published message is delivered on, and the node's dedup key. */
export declare function inputTopic(input: Uint8Array): { topic: Uint8Array; dedupKey: Uint8Array };

// ---------------------------------------------------------------- retry schedule

export interface QuickRetryPolicy {
  /** Tries, the first one included (5). */
  attempts: number;
  /** Delay before the second try (50 ms), then times factor (3), plus up to jitterMs (25). */
  initialMs: number;
  factor: number;
  jitterMs: number;
  /** Bound on one fetch (30 s) and on the whole phase (120 s). */
  perTryMs: number;
  totalMs: number;
}

/** The schedule of pending pointers; defaults are the deployed client's. */
export interface RetryPolicy {
  /** From storing to the first deferred attempt (5 min). */
  firstRetryMs: number;
  /** Delay multiplier per failed attempt (1.5), up to maxDelayMs (2 h). */
  backoff: number;
  maxDelayMs: number;
  /** Counted from the welcome's timestamp (3 days). */
  expiryMs: number;
  /** Deferred attempts at most (100). */
  maxAttempts: number;
  quick: QuickRetryPolicy;
}

export type RetryPolicyInput = Partial<Omit<RetryPolicy, 'quick'>> & { quick?: Partial<QuickRetryPolicy> };

export interface PendingState {
  attempts: number;
  nextAttemptMs: number;
  expiresAtMs: number;
}

export type DropCode = 'ERR_EXPIRED' | 'ERR_ATTEMPTS_EXHAUSTED';

export interface PendingDecision extends PendingState {
  /** Why the pointer must be dropped now, or null. */
  drop: DropCode | null;
}

/**
 * The core's retry schedule (the single source of truth). Times are ms
 * since the epoch; `policy` undefined means the deployed defaults.
 */
export declare const retry: {
  defaultPolicy(): RetryPolicy;
  /** Completes and validates a partial policy (ERR_ARGUMENT if invalid). */
  policy(partial?: RetryPolicyInput): RetryPolicy;
  newPending(policy: RetryPolicyInput | undefined, welcomeTimeMs: number, nowMs: number): PendingDecision;
  failed(policy: RetryPolicyInput | undefined, state: PendingState, nowMs: number): PendingDecision;
  check(policy: RetryPolicyInput | undefined, state: PendingState, nowMs: number): DropCode | null;
  isDue(policy: RetryPolicyInput | undefined, state: PendingState, nowMs: number): boolean;
  /** The wait after that many failed deferred attempts. */
  delay(policy: RetryPolicyInput | undefined, attempts: number): number;
  /** The wait before quick try `attempt` (0 for the first); jitterMs drawn by the caller in [0, quick.jitterMs]. */
  quickDelay(policy: RetryPolicyInput | undefined, attempt: number, jitterMs: number): number;
};

// ---------------------------------------------------------------- hex

export declare function toHex(bytes: Uint8Array): string;
export declare function fromHex(hex: string): Uint8Array;

// ---------------------------------------------------------------- pending store

/** Encrypts stored pointers (see webCryptoProtector). */
export interface Protector {
  seal(pointer: Uint8Array, id: string): Uint8Array | Promise<Uint8Array>;
  open(sealed: Uint8Array, id: string): Uint8Array | Promise<Uint8Array>;
}

/** idb's openDB, or anything with its signature (injected to avoid a bare "idb" import). */
export type OpenDBFunction = (name: string, version: number, callbacks: object) => Promise<unknown>;

export interface PendingStoreOptions {
  /** IndexedDB database name; default "welcome-pointers". */
  name?: string;
  openDB?: OpenDBFunction;
  protector?: Protector;
}

/** IndexedDB schema version of the database (1). */
export declare const DB_VERSION: number;
/** Layout version of one record (its "v" field, 1). */
export declare const RECORD_VERSION: number;

/** A pending pointer, as read back and checked. */
export interface PendingRecord extends PendingState {
  id: string;
  pointer: PointerInfo;
  installationKey: Uint8Array | null;
  messageId: bigint;
  createdNs: bigint;
  welcomeTimeMs: number;
  storedAtMs: number;
  lastAttemptMs: number | null;
  lastError: string | null;
}

export interface NewPendingEntry {
  pointer: PointerInfo | Uint8Array;
  installationKey?: Uint8Array | null;
  messageId?: bigint;
  createdNs?: bigint;
  welcomeTimeMs: number;
  /** From retry.newPending. */
  state: PendingState;
  nowMs: number;
  lastAttemptMs?: number | null;
  lastError?: string | null;
}

/** A record that could not be read back, moved to the quarantine. */
export interface QuarantineReport {
  /** Its primary key in the pending store. */
  key: IDBValidKey;
  reason: string;
  code: 'ERR_CORRUPT_RECORD';
  atMs: number;
}

export interface QuarantinedRecord extends QuarantineReport {
  seq: number;
  /** The record as it was stored (it may hold a pointer key). */
  value: unknown;
}

export declare class PendingStore {
  private constructor();
  readonly name: string;
  add(entry: NewPendingEntry): Promise<{ added: boolean; existing: null | 'pending' | 'settled' }>;
  get(id: string): Promise<{ record: PendingRecord | null; quarantined: QuarantineReport | null }>;
  list(): Promise<{ records: PendingRecord[]; quarantined: QuarantineReport[] }>;
  update(
    id: string,
    changes: { attempts: number; nextAttemptMs: number; lastAttemptMs: number; lastError: string | null },
  ): Promise<boolean>;
  settle(id: string, outcome: 'resolved' | 'dropped', code: string | null, keepUntilMs: number, nowMs?: number): Promise<void>;
  status(id: string): Promise<'pending' | 'settled' | null>;
  pruneSettled(nowMs?: number): Promise<number>;
  nextDueMs(): Promise<number | null>;
  listQuarantined(): Promise<QuarantinedRecord[]>;
  clearQuarantine(): Promise<void>;
  /** Deletes everything (for example at logout). */
  clear(): Promise<void>;
  close(): void;
}

/** Opens (creating or upgrading) the pending-pointer database. */
export declare function openPendingStore(options?: PendingStoreOptions): Promise<PendingStore>;

/** AES-GCM protection of stored pointers under an app-held CryptoKey; the id is bound as AAD. */
export declare function webCryptoProtector(key: CryptoKey): Protector;

// ---------------------------------------------------------------- resolver

/** What fetchFirstMessage receives besides the topic. */
export interface FetchContext {
  /** Aborted when the resolver gives up on this fetch (timeout). */
  signal: AbortSignal;
  pointerId: string;
  /** The destination in hex. */
  destination: string;
}

/**
 * The app's access to the network: the FIRST message on the topic (an
 * encoded WelcomeMessage, or WelcomeMessageInput with messageForm
 * "input"), or null/undefined when the topic is still empty.
 */
export type FetchFirstMessage = (
  topic: Uint8Array,
  context: FetchContext,
) => Uint8Array | null | undefined | Promise<Uint8Array | null | undefined>;

/** A Welcome the resolver obtained from a pointer. */
export interface ResolvedWelcome {
  pointerId: string;
  /** The TLS-serialized MLS Welcome. */
  welcome: Uint8Array;
  cursor: bigint;
  hasCursor: boolean;
  /** The pointer message's network id and timestamp. */
  messageId: bigint;
  createdNs: bigint;
  installationKey: Uint8Array | null;
  /** "quick" during resolvePointer, "deferred" from resolveDue. */
  phase: 'quick' | 'deferred';
  /** Deferred attempts made before this one. */
  attempts: number;
}

/** A welcome from welcomes(): accept() once processed, or reject() to keep it pending. */
export interface DeliveredWelcome extends ResolvedWelcome {
  accept(): void;
  reject(reason?: unknown): void;
}

export interface DropReport {
  id: string;
  code: ErrorCodeValue;
  error: WelcomePointersError;
  phase: 'quick' | 'deferred';
  messageId: bigint;
  createdNs: bigint;
  installationKey: Uint8Array | null;
  attempts: number;
  lastError: string | null;
}

export interface ResolverOptions {
  store: PendingStore;
  fetchFirstMessage: FetchFirstMessage;
  /** Receives each Welcome; the record is deleted once it resolves. Without it, use welcomes(). */
  onWelcome?: (welcome: ResolvedWelcome) => void | Promise<void>;
  /** Pointers given up on (expired, out of attempts, final errors). */
  onDropped?: (report: DropReport) => void;
  /** Records that could not be read back. */
  onQuarantined?: (report: QuarantineReport) => void;
  /** Errors of the start() loop. */
  onError?: (error: WelcomePointersError) => void;
  /** Overrides of the core's schedule (tests, tuning). */
  policy?: RetryPolicyInput;
  /** Bound on one fetch; default policy.quick.perTryMs (30 s). */
  fetchTimeoutMs?: number;
  /** Bound on the app accepting a Welcome; default 60 s. */
  acceptTimeoutMs?: number;
  /** Which topic to fetch: "v3" (default, the destination) or "decentralized" (0x01 || destination). */
  topic?: 'v3' | 'decentralized';
  /** The form fetchFirstMessage returns; default "message". */
  messageForm?: 'message' | 'input';
  /** Default navigator.locks, else a lock manager local to this realm. */
  locks?: Pick<LockManager, 'request'>;
  lockPrefix?: string;
  /** Clock, randomness and sleep (tests). */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type ResolveOutcome =
  | { status: 'resolved'; id: string }
  | { status: 'pending'; id: string; code: ErrorCodeValue | null; error: WelcomePointersError | null; nextAttemptMs: number }
  | { status: 'dropped'; id: string; code: ErrorCodeValue; error: WelcomePointersError }
  | { status: 'duplicate'; id: string; existing?: 'pending' | 'settled' | null };

export interface ResolveReport {
  /** Ids resolved and accepted by the app. */
  resolved: string[];
  dropped: DropReport[];
  quarantined: QuarantineReport[];
  /** Attempts that failed; the records stay pending. */
  failed: { id: string; code: ErrorCodeValue; message: string; attempts: number; nextAttemptMs: number }[];
  /** Ids another tab was working on. */
  skipped: string[];
  /** Records still pending after this run. */
  pending: number;
  /** Store errors on single records (they stay as they were). */
  errors: { id: string; code: ErrorCodeValue; message: string }[];
}

export interface Resolver {
  readonly policy: RetryPolicy;
  resolvePointer(received: ReceivedPointer, options?: { welcomeTimeMs?: number }): Promise<ResolveOutcome>;
  resolveDue(): Promise<ResolveReport>;
  welcomes(): AsyncIterableIterator<DeliveredWelcome>;
  nextDueMs(): Promise<number | null>;
  start(options?: { minIntervalMs?: number; maxIntervalMs?: number }): void;
  stop(): void;
  close(): void;
}

/** Creates a resolver (requires init()). */
export declare function createResolver(options: ResolverOptions): Resolver;

/** A lock manager local to this JS realm (what is used where navigator.locks is missing). */
export declare function createLocalLocks(): Pick<LockManager, 'request'>;
