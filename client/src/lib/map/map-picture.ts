/**
 * A PNG of the map as it is on screen, framed with a title and a legend so the picture still says what it shows
 * when pasted into a report.
 *
 * The map is created without `preserveDrawingBuffer` (it costs every frame), so the WebGL canvas may be cleared
 * once a frame has been composited. Copying it inside MapLibre's `render` event — after MapLibre and the
 * interleaved deck.gl layers drew, before the browser presents — always reads a complete frame.
 */
import type { Map as MaplibreMap } from 'maplibre-gl';

export interface LegendEntry {
  label: string;
  color: string;
}

export interface PictureFrame {
  title: string;
  subtitle?: string;
  legend?: readonly LegendEntry[];
  footer?: string;
}

const FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
const COLORS = { bg: '#0f1a2b', text: '#e8eef7', muted: '#9fb0c6', faint: '#6b7d96', red: '#c8323c', gold: '#f2c14e', border: '#22324c' };

/** The map's current frame copied into a 2D canvas (device pixels). */
export function snapshotMap(map: MaplibreMap): Promise<HTMLCanvasElement> {
  return new Promise((resolve, reject) => {
    map.once('render', () => {
      try {
        const src = map.getCanvas();
        const copy = document.createElement('canvas');
        copy.width = src.width;
        copy.height = src.height;
        copy.getContext('2d')!.drawImage(src, 0, 0);
        resolve(copy);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    map.triggerRepaint();
  });
}

/** The snapshot with a title band above and a legend and footer band below, as PNG. */
export async function mapPicture(map: MaplibreMap, frame: PictureFrame): Promise<Blob> {
  const shot = await snapshotMap(map);
  // Text is laid out in CSS pixels and scaled to the snapshot's device pixels, so it matches the screen.
  const scale = shot.width / map.getCanvas().clientWidth || 1;
  const head = 64 * scale;
  const foot = (frame.legend?.length ? 64 : 36) * scale;
  const out = document.createElement('canvas');
  out.width = shot.width;
  out.height = shot.height + head + foot;
  const g = out.getContext('2d')!;
  const px = (n: number) => n * scale;

  g.fillStyle = COLORS.bg;
  g.fillRect(0, 0, out.width, out.height);
  g.drawImage(shot, 0, head);

  // Title band: the product's red-to-gold mark, the title, the subtitle.
  const mark = g.createLinearGradient(0, px(18), 0, px(46));
  mark.addColorStop(0, COLORS.red);
  mark.addColorStop(1, COLORS.gold);
  g.fillStyle = mark;
  g.fillRect(px(20), px(18), px(6), px(28));
  g.textBaseline = 'middle';
  g.fillStyle = COLORS.text;
  g.font = `600 ${px(22)}px ${FONT}`;
  g.fillText(frame.title, px(38), px(32));
  if (frame.subtitle) {
    const titleWidth = g.measureText(frame.title).width;
    g.fillStyle = COLORS.muted;
    g.font = `${px(15)}px ${FONT}`;
    g.fillText(frame.subtitle, px(38) + titleWidth + px(16), px(33));
  }
  g.fillStyle = COLORS.border;
  g.fillRect(0, head - px(1), out.width, px(1));
  g.fillRect(0, head + shot.height, out.width, px(1));

  // Legend band: swatches in one row, then the footer line.
  let y = head + shot.height + px(20);
  if (frame.legend?.length) {
    let x = px(20);
    g.font = `${px(13)}px ${FONT}`;
    for (const entry of frame.legend) {
      const w = g.measureText(entry.label).width;
      if (x + px(22) + w > out.width - px(20)) break;
      g.fillStyle = entry.color;
      g.fillRect(x, y - px(6), px(16), px(12));
      g.fillStyle = COLORS.muted;
      g.fillText(entry.label, x + px(22), y);
      x += px(22) + w + px(18);
    }
    y += px(26);
  }
  if (frame.footer) {
    g.fillStyle = COLORS.faint;
    g.font = `${px(12)}px ${FONT}`;
    g.fillText(frame.footer, px(20), y);
  }

  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not encode the PNG'))), 'image/png'));
}
