import { useEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '../api';
import { Failure, ProgressBar } from '../screens/common';
import { download, type Progress } from '../upload';
import type { MeshScene } from './scene';

type FileLink = Schemas['FileLink'];

/**
 * The 3D viewer, loaded on first use: three.js and its loaders are a separate chunk, so the
 * order list never downloads them. Meshes come through the same audited, 15-minute presigned
 * GETs as any download, with a progress bar, and are checked against their SHA-256 first.
 */
export const ViewerPanel = ({ files, title }: { files: readonly FileLink[]; title: string }) => {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [open, setOpen] = useState(false);
  const [progress, setProgress] = useState<Progress | undefined>();
  const [status, setStatus] = useState<string>('');
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (!open || !canvas.current) return;
    let scene: MeshScene | undefined;
    let cancelled = false;
    const target = canvas.current;
    (async () => {
      setStatus('Loading the viewer…');
      const { createScene } = await import('./scene');
      if (cancelled) return;
      scene = createScene(target);
      for (const [i, f] of files.entries()) {
        setStatus(`Downloading ${f.fileId}.${f.format} (${i + 1} of ${files.length})…`);
        const bytes = await download(f.url, setProgress, { sizeBytes: f.sizeBytes, sha256: f.sha256 });
        if (cancelled) return;
        scene.add(f.format as 'stl' | 'ply' | 'obj', bytes, i);
      }
      setStatus(`${files.length} mesh${files.length === 1 ? '' : 'es'} shown: drag to orbit, wheel to zoom.`);
      target.dataset.rendered = 'true';
    })().catch((e: unknown) =>
      setError(e instanceof Error ? e.message : 'The viewer could not load the files.'),
    );
    return () => {
      cancelled = true;
      scene?.dispose();
    };
  }, [open, files]);

  return (
    <div class="viewer">
      {!open ? (
        <button type="button" onClick={() => setOpen(true)}>
          View in 3D
        </button>
      ) : (
        <figure>
          <canvas
            ref={canvas}
            width={640}
            height={420}
            data-testid="viewer-canvas"
            aria-label={`3D view: ${title}`}
            role="img"
          />
          <figcaption>
            {title}. <span role="status">{status}</span>
          </figcaption>
          {progress && <ProgressBar label="Download" progress={progress} />}
          <Failure error={error} />
        </figure>
      )}
    </div>
  );
};
