"""The NMEA 0183 AIS decoder's kernels: ``decode`` (the bulk decoder over a byte buffer), with
``framing`` (time prefixes, tag blocks, receiver names), ``pghp`` (Gatehouse times and clock
lines), ``messages`` (fields of the message types kept), ``bits`` (six-bit payloads, numbers,
times) and ``layout`` (the packed arrays' layouts and the counters)."""
