// Type declarations for @welcome-pointers/wasm, written by hand and
// checked with `tsc --noEmit -p js` (see test/types/usage.ts).

/** The package version; init() refuses a module built for another. */
export declare const VERSION: string;

/** The global name the module registers its one namespace object under. */
export declare const NAMESPACE: '__welcomePointers';

// ---------------------------------------------------------------- errors

/** Stable error codes. A code never changes meaning once released. */
export declare const ErrorCode: {
  /** A wrong type, a missing value, a number out of range, an unknown option, a getter or Proxy that throws, a detached or shared buffer. */
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
  /** A message or argument over its size limit, refused before decryption (a seal: before encryption). */
  readonly TOO_LARGE: 'ERR_TOO_LARGE';
  /** A key of the wrong size, failing validation, or protecting nothing (low-order X25519, all-zero X-Wing). */
  readonly INVALID_KEY: 'ERR_INVALID_KEY';
  /** A pending pointer passed its expiry. */
  readonly EXPIRED: 'ERR_EXPIRED';
  /** A pending pointer used up its attempts. */
  readonly ATTEMPTS_EXHAUSTED: 'ERR_ATTEMPTS_EXHAUSTED';
  /** sealInvite or a transport call was aborted through its signal. */
  readonly ABORTED: 'ERR_ABORTED';
  /** fetchFirstMessage threw or returned something that is not bytes; a transport call got no valid answer or a non-OK gRPC status. */
  readonly FETCH: 'ERR_FETCH';
  /** fetchFirstMessage, a transport call (or DEADLINE_EXCEEDED) or the app's welcome handler did not settle in time. */
  readonly TIMEOUT: 'ERR_TIMEOUT';
  /** No message on the pointer's topic yet (a pending record's lastError; never thrown). */
  readonly NOT_FOUND: 'ERR_NOT_FOUND';
  /** The app did not accept a delivered welcome. */
  readonly REJECTED: 'ERR_REJECTED';
  /** IndexedDB failed. */
  readonly STORE: 'ERR_STORE';
  /** A stored record could not be read back; it was quarantined. */
  readonly CORRUPT_RECORD: 'ERR_CORRUPT_RECORD';
  /** The resolver or store was closed, or the database cannot be reopened. */
  readonly CLOSED: 'ERR_CLOSED';
  /** The pending store was full: the oldest record was evicted (reported, never thrown). */
  readonly CAPACITY: 'ERR_CAPACITY';
  /** The fetch budget per hour is used up: the attempt waits (a pending outcome, never thrown). */
  readonly RATE_LIMITED: 'ERR_RATE_LIMITED';
  /**
   * A bug: a recovered Go panic; or "the WebAssembly module stopped; reload
   * it" (every call until init() loaded a fresh instance).
   */
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
  wasmModule?: WasmModule | ArrayBuffer | ArrayBufferView | Response | PromiseLike<Response>;
  /**
   * Where sealInvite({ workers }) starts its workers from: a module script
   * built from the package's "./worker" export (Node: a worker_threads
   * script). Default: the package's own, src/worker.js (what bundlers that
   * understand new Worker(new URL(..., import.meta.url)) emit). May be
   * given on any call; the last one counts.
   */
  workerURL?: string | URL;
  /**
   * Starts the pool of sealing workers (see SealInviteOptions.workers)
   * once the module is loaded, in the background; without it, the first
   * sealInvite({ workers }) starts it. May be given on any call.
   */
  workers?: number | 'auto';
}

/**
 * WebAssembly.Module where the WebAssembly types are declared (the DOM
 * and WebWorker libraries), else any object: the types need no DOM library.
 */
export type WasmModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M : object;

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
 * What the browser's WebCrypto does for this module instance, checked
 * against the module's own results when init() loaded it: kem, its X-Wing
 * (MLKEM768-X25519); aead, its ChaCha20-Poly1305; and why not where not
 * (Node 20 has neither).
 */
export declare function webCryptoSupport(): Promise<{ kem: boolean; aead: boolean; reason: string }>;

/**
 * Whether the X-Wing KEM and the pointee's ChaCha20-Poly1305 run in the
 * browser's WebCrypto: 'auto' (default) where it has them, else in the
 * module; 'require' requires them (ERR_UNSUPPORTED without); 'never'
 * never uses them. The messages are the same either way.
 */
export type WebCryptoChoice = 'auto' | 'require' | 'never';

/**
 * Releases the module: new calls throw ERR_NOT_INITIALIZED at once, the
 * calls in flight finish, the pool of sealing workers is terminated and
 * the keys imported into WebCrypto forgotten, the Go side zeroes its cached keys and exits,
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
/** Zeroes and forgets the private keys the module keeps loaded (its last 8), and those imported into WebCrypto. */
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
  /** Per-message cap, on the message as receivers read it back; default DEFAULT_MAX_MESSAGE_SIZE. */
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
   * invite has the same shape and order either way. The workers are
   * started once and reused by every invite, until dispose().
   */
  workers?: number | 'auto';
  /** Where the X-Wing encapsulations (in the workers too) and the pointee's encryption run. */
  webCrypto?: WebCryptoChoice;
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
  /**
   * Only with options.workers: how many workers sealed pointers, and when
   * none did, why (a small invite, or a context without workers, such as a
   * service worker): then everything was sealed on the calling thread.
   */
  parallel?: { workers: number; note?: string };
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
/**
 * openWelcome with the X-Wing decapsulation in the browser's WebCrypto
 * where it has X-Wing (webCrypto as for sealInvite): the same result and
 * errors. The key is imported into WebCrypto from its seed,
 * non-extractable, and kept like the module's cache of loaded keys
 * (clearKeyCache() forgets both).
 */
export declare function openWelcomeAsync(
  message: Uint8Array,
  keys: readonly PrivateKeyInput[],
  options?: OpenOptions & { webCrypto?: WebCryptoChoice },
): Promise<Received>;
/** Checks a pointer's stored form and describes it. */
export declare function parsePointer(bytes: Uint8Array): PointerInfo;
/**
 * Opens the pointee a pointer names. firstMessage must be the FIRST message
 * on the pointer's topic. ERR_DECRYPT and ERR_NOT_POINTEE are final.
 */
export declare function openPointee(pointer: PointerInfo | Uint8Array, firstMessage: Uint8Array, options?: OpenOptions): OpenedPointee;
/**
 * openPointee with the Welcome decrypted by the browser's WebCrypto where
 * it has ChaCha20-Poly1305: the same result and errors.
 */
export declare function openPointeeAsync(
  pointer: PointerInfo | Uint8Array,
  firstMessage: Uint8Array,
  options?: OpenOptions & { webCrypto?: WebCryptoChoice },
): Promise<OpenedPointee>;

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

/** Encrypts stored pointers and outbox batches (see webCryptoProtector). */
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
  /** The database can no longer be opened (another tab upgraded it to a newer version): ERR_CLOSED. */
  onClose?: (error: WelcomePointersError) => void;
}

/** IndexedDB schema version of the database (2). */
export declare const DB_VERSION: number;
/** Layout version of one record (its "v" field, 2; version 1 records are still read). */
export declare const RECORD_VERSION: number;

/** A pending pointer, as read back and checked. */
export interface PendingRecord extends PendingState {
  id: string;
  pointer: PointerInfo;
  installationKey: Uint8Array | null;
  messageId: bigint;
  createdNs: bigint;
  /** The welcome's server timestamp (ms): the expiry counts from it. */
  welcomeTimeMs: number;
  /** "quick" while the first tries run (on the stored record), then "deferred". */
  phase: 'quick' | 'deferred';
  quickAttempts: number;
  storedAtMs: number;
  lastAttemptMs: number | null;
  lastError: string | null;
  /** Times the Welcome was handed to the app without being accepted. */
  deliveries: number;
  /** The worker holding the record, if any. */
  lease: { owner: string; untilMs: number } | null;
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
  key: StoreKey;
  reason: string;
  code: 'ERR_CORRUPT_RECORD';
  atMs: number;
}

export interface QuarantinedRecord extends QuarantineReport {
  seq: number;
  /** The record as it was stored (it may hold a pointer key). */
  value: unknown;
}

/** A change of the database, made in this tab or another (remote). */
export interface StoreEvent {
  type:
    | 'added' | 'updated' | 'settled' | 'quarantined' | 'cleared' | 'outbox'
    | 'deleted' | 'upgraded' | 'terminated' | 'reopened' | 'blocked' | 'closed';
  id?: string | null;
  outcome?: 'resolved' | 'dropped';
  code?: string | null;
  remote: boolean;
}

export declare class PendingStore {
  private constructor();
  readonly name: string;
  /** True once closed, by close() or because the database cannot be reopened. */
  readonly closed: boolean;
  add(entry: NewPendingEntry): Promise<{ added: boolean; existing: null | 'pending' | 'settled' }>;
  get(id: string): Promise<{ record: PendingRecord | null; quarantined: QuarantineReport | null }>;
  /** Every record (reads the whole store: for lists and UIs, not for scheduling). */
  list(): Promise<{ records: PendingRecord[]; quarantined: QuarantineReport[] }>;
  count(): Promise<number>;
  update(
    id: string,
    changes: { attempts: number; nextAttemptMs: number; lastAttemptMs: number; lastError: string | null },
  ): Promise<boolean>;
  settle(id: string, outcome: 'resolved' | 'dropped', code: string | null, keepUntilMs: number, nowMs?: number): Promise<void>;
  status(id: string): Promise<'pending' | 'settled' | null>;
  pruneSettled(nowMs?: number): Promise<number>;
  /** The earliest next attempt (an index lookup). */
  nextDueMs(): Promise<number | null>;
  listQuarantined(): Promise<QuarantinedRecord[]>;
  clearQuarantine(): Promise<void>;
  /** Changes made here or in other tabs (BroadcastChannel), and the connection's life. Returns an unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void;
  /** Deletes everything, the outbox included (for example at logout). */
  clear(): Promise<void>;
  close(): void;
}

/** Opens (creating or upgrading) the pending-pointer database. */
export declare function openPendingStore(options?: PendingStoreOptions): Promise<PendingStore>;

/** An IndexedDB key (IDBValidKey, spelled out so that the types need no DOM library). */
export type StoreKey = number | string | Date | ArrayBuffer | ArrayBufferView | StoreKey[];

/** A WebCrypto key: the DOM's CryptoKey or Node's webcrypto.CryptoKey (structurally, so that the types need no DOM library). */
export interface CryptoKeyLike {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: { readonly name: string };
  readonly usages: readonly string[];
}

/** AES-GCM protection of stored pointers under an app-held CryptoKey; the id is bound as AAD. */
export declare function webCryptoProtector(key: CryptoKeyLike): Protector;

// ---------------------------------------------------------------- resolver

/** What fetchFirstMessage receives besides the topic. */
export interface FetchContext {
  /** Aborted when the resolver gives up on this fetch (timeout, close). */
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
  /** "quick" in the first tries, "deferred" on the retry schedule. */
  phase: 'quick' | 'deferred';
  /** Deferred attempts made before this one. */
  attempts: number;
  /**
   * Earlier times this Welcome was handed to the app without being
   * accepted (rejected, timed out, or interrupted by a reload before the
   * acceptance was recorded). Above 0, check whether it was applied.
   */
  previousDeliveries: number;
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
  /** "admission": refused or dropped when it arrived. */
  phase: 'quick' | 'deferred' | 'admission';
  /** Why, in words. */
  reason: string;
  messageId: bigint;
  createdNs: bigint;
  installationKey: Uint8Array | null;
  attempts: number;
  lastError: string | null;
}

/** The resolver's own bounds (the schedule itself is the core's). */
export declare const RESOLVER_DEFAULTS: {
  readonly acceptTimeoutMs: number;
  readonly leaseMs: number;
  readonly maxPending: number;
  readonly fetchesPerHour: number;
  readonly maxPerTick: number;
  readonly concurrency: number;
};

export interface ResolverOptions {
  store: PendingStore;
  fetchFirstMessage: FetchFirstMessage;
  /** Receives each Welcome; the record is deleted once it resolves. Without it, use welcomes(). */
  onWelcome?: (welcome: ResolvedWelcome) => void | Promise<void>;
  /** Pointers given up on (expired, out of attempts, final errors, evicted, refused), with a reason. */
  onDropped?: (report: DropReport) => void;
  /** Records that could not be read back. */
  onQuarantined?: (report: QuarantineReport) => void;
  /** Errors of background work: the start() loop, quick phases after acceptPointer, a late or failing settle. */
  onError?: (error: WelcomePointersError) => void;
  /** Overrides of the core's schedule (tests, tuning). */
  policy?: RetryPolicyInput;
  /** Bound on one fetch; default policy.quick.perTryMs (30 s). */
  fetchTimeoutMs?: number;
  /** Bound on waiting for the app to accept a Welcome (default 60 s); a late acceptance still counts. */
  acceptTimeoutMs?: number;
  /** Which topic to fetch: "v3" (default, the destination) or "decentralized" (0x01 || destination). */
  topic?: 'v3' | 'decentralized';
  /** The form fetchFirstMessage returns; default "message". */
  messageForm?: 'message' | 'input';
  /** Default navigator.locks; where there is none, a lease stored in each record. */
  locks?: LockManagerLike;
  lockPrefix?: string;
  /** A lease's length without renewal (default 30 s): a dead worker's records are taken over after it. */
  leaseMs?: number;
  /** Pending records per store (default 10,000); beyond, the oldest is evicted (ERR_CAPACITY). */
  maxPending?: number;
  /** Fetches per hour across all records and tabs of the store (default 360). */
  fetchesPerHour?: number;
  /** Records one resolveDue() works on (default 100). */
  maxPerTick?: number;
  /** Records worked on at the same time (default 8). */
  concurrency?: number;
  /** Clock, randomness and sleep (tests). */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type ResolveOutcome =
  | { status: 'resolved'; id: string }
  | { status: 'pending'; id: string; code: ErrorCodeValue | null; error: WelcomePointersError | null; nextAttemptMs: number }
  | { status: 'dropped'; id: string; code: ErrorCodeValue; error: WelcomePointersError }
  | { status: 'duplicate'; id: string; existing?: 'pending' | 'settled' | null }
  /** Stored; another tab or worker is resolving it. */
  | { status: 'accepted'; id: string };

export type AcceptOutcome =
  | { status: 'accepted'; id: string }
  | { status: 'dropped'; id: string; code: ErrorCodeValue; error: WelcomePointersError }
  | { status: 'duplicate'; id: string; existing?: 'pending' | 'settled' | null };

export interface ResolveReport {
  /** Ids resolved and accepted by the app. */
  resolved: string[];
  dropped: DropReport[];
  quarantined: QuarantineReport[];
  /** Attempts that failed; the records stay pending. */
  failed: { id: string; code: ErrorCodeValue; message: string; attempts: number; nextAttemptMs: number }[];
  /** Ids another tab (or this resolver) was working on. */
  skipped: string[];
  /** Records still pending after this run. */
  pending: number;
  /** Store errors on single records (they stay as they were). */
  errors: { id: string; code: ErrorCodeValue; message: string }[];
  /** Due records left for later because the fetch budget is used up. */
  throttled: number;
  /** More due records than maxPerTick: call again soon. */
  more: boolean;
}

export interface ResolverStats {
  accepted: number;
  resolved: number;
  dropped: number;
  evicted: number;
  refused: number;
  throttled: number;
  redelivered: number;
  lateAccepted: number;
}

export interface Resolver {
  readonly policy: RetryPolicy;
  readonly stats: ResolverStats;
  /** Stores the pointer and returns once it is committed (advance the welcome cursor then); the quick phase runs in the background. */
  acceptPointer(received: ReceivedPointer, options?: { welcomeTimeMs?: number }): Promise<AcceptOutcome>;
  /** acceptPointer, then waits for the quick phase. */
  resolvePointer(received: ReceivedPointer, options?: { welcomeTimeMs?: number }): Promise<ResolveOutcome>;
  resolveDue(): Promise<ResolveReport>;
  welcomes(): AsyncIterableIterator<DeliveredWelcome>;
  nextDueMs(): Promise<number | null>;
  /** Resolves once no work runs in this resolver (background quick phases included). */
  whenIdle(): Promise<void>;
  start(options?: { minIntervalMs?: number; maxIntervalMs?: number }): void;
  stop(): void;
  close(): void;
}

/** Creates a resolver (requires init()). */
export declare function createResolver(options: ResolverOptions): Resolver;

/** A lock manager local to this JS realm: shared by resolvers, it serializes them as navigator.locks does across tabs. */
export declare function createLocalLocks(): LockManagerLike;

/** What the resolver uses of the Web Locks API (navigator.locks), without needing the DOM library. */
export interface LockManagerLike {
  request<T>(name: string, callback: (lock: unknown) => T): Promise<Awaited<T>>;
  request<T>(
    name: string,
    options: { mode?: 'exclusive' | 'shared'; ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => T,
  ): Promise<Awaited<T>>;
}

// ---------------------------------------------------------------- transport

/** The protocols xmtpTransport speaks. */
export declare const TransportProtocol: {
  /** xmtp.mls.api.v1.MlsApi on an XMTP node; the topic is the installation key (the destination). */
  readonly V3: 'v3';
  /** xmtpd: PublishClientEnvelopes through a payer gateway, QueryEnvelopes on a node; the topic is 0x01 || installation key. */
  readonly DECENTRALIZED: 'decentralized';
};
export type TransportProtocolValue = (typeof TransportProtocol)[keyof typeof TransportProtocol];

/** gRPC status codes. */
export declare const GrpcStatus: {
  readonly OK: 0; readonly CANCELLED: 1; readonly UNKNOWN: 2; readonly INVALID_ARGUMENT: 3;
  readonly DEADLINE_EXCEEDED: 4; readonly NOT_FOUND: 5; readonly ALREADY_EXISTS: 6; readonly PERMISSION_DENIED: 7;
  readonly RESOURCE_EXHAUSTED: 8; readonly FAILED_PRECONDITION: 9; readonly ABORTED: 10; readonly OUT_OF_RANGE: 11;
  readonly UNIMPLEMENTED: 12; readonly INTERNAL: 13; readonly UNAVAILABLE: 14; readonly DATA_LOSS: 15;
  readonly UNAUTHENTICATED: 16;
};

export interface TransportOptions {
  /** The node's base URL (gRPC-Web), e.g. "https://node.example:5558". */
  url: string;
  /** Default "v3". */
  protocol?: TransportProtocolValue;
  /** Decentralized protocol: the payer gateway to publish through (default url). */
  gatewayUrl?: string;
  /** Default globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
  /** Extra request headers (e.g. x-app-version); the node's CORS must allow them. */
  headers?: Record<string, string>;
  /** Per request, default 30,000. */
  timeoutMs?: number;
  /** The node's cap on one request message; batches stay under it. Default 25 MiB. */
  maxRequestBytes?: number;
  /** Messages per publish request, default 50 (as the deployed client). */
  maxBatchMessages?: number;
  /** Largest message accepted from the node, default 25 MiB. */
  maxMessageSize?: number;
}

/** One publish request that the node accepted: messages [start, end). */
export interface PublishedBatch {
  index: number;
  start: number;
  end: number;
  count: number;
  /** Bytes of the request message. */
  bytes: number;
}

export interface PublishResult {
  /** Messages the node accepted (all of them). */
  sent: number;
  total: number;
  batches: PublishedBatch[];
}

export interface PublishOptions {
  signal?: AbortSignal;
  /** Resume: skip the messages before this index (a failed publish's error.sent). */
  start?: number;
  /** Called (and awaited; exceptions ignored) after each accepted batch. */
  onBatch?: (batch: PublishedBatch) => void | Promise<void>;
}

/**
 * What a failed transport call throws: code ERR_FETCH (no valid answer, or
 * a non-OK gRPC status), ERR_TIMEOUT (timeoutMs passed, or DEADLINE_EXCEEDED)
 * or ERR_ABORTED (the caller's signal).
 */
export interface TransportError extends WelcomePointersError {
  readonly grpcStatus?: number;
  readonly grpcMessage?: string;
  readonly httpStatus?: number;
  /** Whether the same call may succeed later (publishing again is safe: nodes deduplicate). */
  readonly retryable: boolean;
  /** publish only: messages accepted before the failing batch (resume with { start: sent }). */
  readonly sent?: number;
  /** publish only: the batches accepted before the failure. */
  readonly batches?: PublishedBatch[];
}

export interface Transport {
  readonly protocol: TransportProtocolValue;
  /** For createResolver({ topic }): the topic form fetchFirstMessage takes. */
  readonly topic: 'v3' | 'decentralized';
  /**
   * Publishes an invite (or encoded WelcomeMessageInputs, or OutgoingMessages)
   * in the given order, pointee first, in batches under the request cap.
   * Requires init() (each message is checked against the node's rules first).
   */
  publish(messages: Invite | readonly (Uint8Array | OutgoingMessage)[], options?: PublishOptions): Promise<PublishResult>;
  /**
   * The oldest message on the topic (asked for with limit 1, ascending), in
   * WelcomeMessage form, or null when the topic is empty. Plugs into
   * createResolver's fetchFirstMessage.
   */
  fetchFirstMessage(topic: Uint8Array, context?: { signal?: AbortSignal }): Promise<Uint8Array | null>;
}

/** A transport over the XMTP API, gRPC-Web as browsers call it. */
export declare function xmtpTransport(options: TransportOptions): Transport;

// ---------------------------------------------------------------- outbox

/** What publish receives besides the messages. */
export interface PublishContext {
  /** Aborted when the outbox gives up on this call (timeout, close). */
  signal: AbortSignal;
  inviteId: string;
  /** This batch's index (the pointee alone is batch 0) and the count. */
  batch: number;
  batches: number;
}

export interface OutboxOptions {
  /** The database (object stores "outbox" and "outboxBatches"); its protector encrypts the batches. */
  store: PendingStore;
  /** Publishes the messages in order; what it returns is recorded when it can be stored; throws on failure. */
  publish: (messages: Uint8Array[], context: PublishContext) => unknown | Promise<unknown>;
  onProgress?: (progress: { id: string; sent: number; total: number; batch: number; batches: number; next: number; result: unknown }) => void;
  onSent?: (report: { id: string; total: number; results: unknown[] }) => void;
  onAbandoned?: (report: OutboxAbandoned) => void;
  onError?: (error: WelcomePointersError) => void;
  /** The core's schedule: retry delays (quick delays), maxAttempts and expiryMs. */
  policy?: RetryPolicyInput;
  /** Messages per batch (default 100). */
  batchMessages?: number;
  /** Bytes per batch (default 4 MiB; a larger single message goes alone). */
  batchBytes?: number;
  /** Bound on one publish call (default 60 s). */
  publishTimeoutMs?: number;
  locks?: LockManagerLike;
  lockPrefix?: string;
  leaseMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface OutboxAbandoned {
  id: string;
  code: ErrorCodeValue;
  error: WelcomePointersError;
  reason: string;
  sent: number;
  total: number;
  batchesSent: number;
  batches: number;
  attempts: number;
  lastError: string | null;
}

export type SendOutcome =
  | { status: 'sent'; id: string; sent: number; total: number; results: unknown[] }
  | { status: 'pending'; id: string; sent: number; total: number; error: WelcomePointersError; nextAttemptMs?: number }
  | { status: 'abandoned'; id: string; sent: number; total: number; error: WelcomePointersError; report?: OutboxAbandoned }
  | { status: 'busy' | 'gone'; id: string };

export interface OutboxEntry {
  id: string;
  total: number;
  sent: number;
  batches: number;
  next: number;
  attempts: number;
  nextAttemptMs: number;
  lastError: string | null;
  createdAtMs: number;
  results: unknown[];
}

export interface Outbox {
  /** Stores the invite (before anything is published); the id is a hash of its messages. */
  enqueue(invite: Invite | readonly (Uint8Array | { message: Uint8Array; kind?: string })[]): Promise<{ id: string; total: number; batches: number; existing: boolean }>;
  /** enqueue() then send(). */
  publishInvite(invite: Invite | readonly (Uint8Array | { message: Uint8Array; kind?: string })[]): Promise<SendOutcome>;
  /** Publishes what is left of a stored invite now. */
  send(id: string): Promise<SendOutcome>;
  /** Sends every stored invite that is due (after a reload, or on its retry time). */
  resume(): Promise<{ sent: string[]; pending: string[]; abandoned: OutboxAbandoned[]; skipped: string[]; errors: { id: string; code: ErrorCodeValue; message: string }[] }>;
  list(): Promise<OutboxEntry[]>;
  /** Gives an invite up (reported with ERR_ABORTED). */
  cancel(id: string): Promise<boolean>;
  whenIdle(): Promise<void>;
  start(options?: { minIntervalMs?: number; maxIntervalMs?: number }): void;
  stop(): void;
  close(): void;
}

/** A durable outbox on a store from openPendingStore() (requires init()). */
export declare function createOutbox(options: OutboxOptions): Outbox;
