// Binary meter frames from the WebSocket (mixerd/web/ws.py MeterEncoder, format 1), all little-endian:
//   u8 format (1), u8 0, u16 n (meter channels), u32 seq,
//   n × i16 peak (0.1 dB), n × u16 clip count (wrapping: compare, do not subtract),
//   then every meter point's extras in the hello's order (i16, 0.1 dB): a master's true_peak (one per
//   side), lufs_m, lufs_s, limiter_gr; a channel's inserts point gate_gr, dyn_gr.
// Decoded into the shape the meters use: {type: "meters", seq, peak: [...], clips: [...], extra: {point: {...}}}.

export const METER_FORMAT = 1;

/** The frame in `buffer` read with the hello's meter `points` ([{name, width, extras}]); null if unreadable. */
export function decodeMeters(buffer, points) {
  if (buffer.byteLength < 8) return null;
  const view = new DataView(buffer);
  if (view.getUint8(0) !== METER_FORMAT) return null;
  const n = view.getUint16(2, true);
  const seq = view.getUint32(4, true);
  if (buffer.byteLength < 8 + 4 * n) return null;
  const peak = new Array(n);
  const clips = new Array(n);
  let at = 8;
  for (let i = 0; i < n; i++, at += 2) peak[i] = view.getInt16(at, true) / 10;
  for (let i = 0; i < n; i++, at += 2) clips[i] = view.getUint16(at, true);
  const extra = {};
  const read = () => {
    if (at + 2 > buffer.byteLength) return undefined;
    const value = view.getInt16(at, true) / 10;
    at += 2;
    return value;
  };
  for (const p of points) {
    if (!p.extras || !p.extras.length) continue;
    const values = {};
    for (const key of p.extras) {
      if (key === "true_peak") {
        values[key] = [];
        for (let side = 0; side < (p.width || 1); side++) values[key].push(read());
      } else {
        values[key] = read();
      }
    }
    extra[p.name] = values;
  }
  return { type: "meters", seq, peak, clips, extra };
}
