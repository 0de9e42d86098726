// The network half: publishing invites and fetching pointees over the
// XMTP API (gRPC-Web). See xmtp.js.
export { xmtpTransport, TransportProtocol } from './xmtp.js';
export { GrpcStatus } from './grpcweb.js';
