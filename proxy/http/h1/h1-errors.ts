// Envoy's HTTP/1 codec response code details (source/common/http/http1/codec_impl.cc) and the
// status each protocol error is answered with.

export const H1Details = {
  TooManyHeaders: 'http1.too_many_headers',
  HeadersTooLarge: 'http1.headers_too_large',
  CodecError: 'http1.codec_error',
  InvalidCharacters: 'http1.invalid_characters',
  ConnectionHeaderRejected: 'http1.connection_header_rejected',
  InvalidUrl: 'http1.invalid_url',
  InvalidTransferEncoding: 'http1.invalid_transfer_encoding',
  BodyDisallowed: 'http1.body_disallowed',
  InvalidUnderscore: 'http1.unexpected_underscore',
  ChunkedContentLength: 'http1.content_length_and_chunked_not_allowed',
  LowVersion: 'low_version',
} as const;

export type HeadersWithUnderscoresAction = 'ALLOW' | 'REJECT_REQUEST' | 'DROP_HEADER';
