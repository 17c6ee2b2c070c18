import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { Schemas } from '../api';
import { Failure, ProgressBar } from '../screens/common';
import { download, type Progress } from '../upload';
import { WorkerTaskError } from '../workers/protocol';
import type { MeshScene, Showing } from './scene';

type FileLink = Schemas['FileLink'];
type MeshFormat = 'stl' | 'ply' | 'obj';
const formatOf = (name: string): MeshFormat | undefined => {
  const ext = name.toLowerCase().split('.').pop();
  return ext === 'stl' || ext === 'ply' || ext === 'obj' ? ext : undefined;
};

/**
 * The 3D viewer, loaded on first use: three.js and its loaders are a separate chunk, so the
 * order list never downloads them. Meshes come through the same audited, 15-minute presigned
 * GETs as any download, with a progress bar; a worker checks each against its SHA-256 and parses
 * it (scene.ts), so the page stays responsive while a 100 MB scan is read.
 * `files` are scans, except design versions (`version` set); `overlay` are the designer's own
 * design files, read from disk, drawn over the scans to see how the design sits on them.
 * Measure: two clicks on a mesh give the distance between the points, in millimetres.
 */
export const ViewerPanel = ({
  files,
  title,
  overlay = [],
  startOpen = false,
}: {
  files: readonly FileLink[];
  title: string;
  overlay?: readonly File[];
  /** Drawn at once, for a caller that fetched the links on a click of its own. */
  startOpen?: boolean;
}) => {
  const canvas = useRef<HTMLCanvasElement>(null);
  const sceneRef = useRef<MeshScene | undefined>(undefined);
  const added = useRef(new Set<File>());
  const [open, setOpen] = useState(startOpen);
  const [ready, setReady] = useState(false);
  const [progress, setProgress] = useState<Progress | undefined>();
  const [status, setStatus] = useState<string>('');
  const [error, setError] = useState<string | undefined>();
  const [showing, setShowing] = useState<Showing>('both');
  const [measuring, setMeasuring] = useState(false);
  // Each panel's own radio group: two viewers on one page must not share a selection.
  const showGroup = `viewer-show-${useId()}`;
  const [distance, setDistance] = useState<number | undefined>();
  const [visible, setVisible] = useState(0);
  // Callers pass a new array on every render (a filter): the scene is rebuilt only when the files
  // themselves change, not once a second with a countdown beside it.
  const filesKey = files.map((f) => `${f.fileId}:${f.sha256}`).join(',');
  const latest = useRef(files);
  latest.current = files;

  useEffect(() => {
    if (!open || !canvas.current) return;
    let scene: MeshScene | undefined;
    let cancelled = false;
    const target = canvas.current;
    const files = latest.current;
    (async () => {
      setStatus('Loading the viewer…');
      const { createScene } = await import('./scene');
      if (cancelled) return;
      scene = createScene(target);
      for (const [i, f] of files.entries()) {
        const name = `${f.fileId}.${f.format} (${i + 1} of ${files.length})`;
        setStatus(`Downloading ${name}…`);
        const bytes = await download(f.url, setProgress, { sizeBytes: f.sizeBytes });
        if (cancelled) return;
        // Checked and parsed in a worker: the page keeps answering while a large scan is read.
        setStatus(`Checking and reading ${name}…`);
        await scene.add(f.format as MeshFormat, bytes, i, f.version === undefined ? 'scan' : 'design', {
          sha256: f.sha256,
        });
        if (cancelled) return;
      }
      setStatus(`${files.length} mesh${files.length === 1 ? '' : 'es'} shown: drag to orbit, wheel to zoom.`);
      sceneRef.current = scene;
      added.current = new Set();
      setVisible(scene.visibleCount());
      setReady(true);
      target.dataset.rendered = 'true';
    })().catch((e: unknown) => {
      if (!cancelled) setError(e instanceof Error ? e.message : 'The viewer could not load the files.');
    });
    return () => {
      cancelled = true;
      sceneRef.current = undefined;
      setReady(false);
      scene?.dispose();
    };
  }, [open, filesKey]);

  // The designer's own design files, added as they are picked (read from disk, not downloaded).
  useEffect(() => {
    const scene = sceneRef.current;
    if (!ready || !scene) return;
    let cancelled = false;
    (async () => {
      for (const file of overlay) {
        const format = formatOf(file.name);
        if (!format || added.current.has(file)) continue;
        added.current.add(file);
        const bytes = await file.arrayBuffer();
        if (cancelled) return;
        await scene.add(format, bytes, files.length + added.current.size, 'design');
        setVisible(scene.visibleCount());
      }
    })().catch((e: unknown) => {
      // Closed while a file was read: nothing to report.
      if (!(e instanceof WorkerTaskError && e.reason === 'AbortError'))
        setError(e instanceof Error ? e.message : 'The design could not be shown.');
    });
    return () => {
      cancelled = true;
    };
  }, [ready, overlay, files.length]);

  const roles = new Set([
    ...files.map((f) => (f.version === undefined ? 'scan' : 'design')),
    ...(overlay.some((f) => formatOf(f.name)) ? ['design'] : []),
  ]);
  const choose = (which: Showing) => {
    setShowing(which);
    sceneRef.current?.show(which);
    setVisible(sceneRef.current?.visibleCount() ?? 0);
  };
  const toggleMeasure = () => {
    const on = !measuring;
    setMeasuring(on);
    setDistance(undefined);
    sceneRef.current?.measure(on, setDistance);
  };

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
            data-visible-meshes={visible}
            aria-label={`3D view: ${title}`}
            role="img"
          />
          <figcaption>
            {title}. <span role="status">{status}</span>
          </figcaption>
          {ready && (
            <div class="toolbar">
              <button type="button" aria-pressed={measuring} onClick={toggleMeasure}>
                Measure a distance
              </button>
              {measuring && (
                <span role="status" data-testid="measure-distance">
                  {distance === undefined
                    ? 'Click two points on the mesh.'
                    : `Distance: ${distance.toFixed(2)} mm`}
                </span>
              )}
              {roles.size > 1 && (
                <fieldset class="inline">
                  <legend>Show</legend>
                  {(
                    [
                      ['scan', 'Scan'],
                      ['design', 'Design'],
                      ['both', 'Scan and design overlaid'],
                    ] as const
                  ).map(([value, label]) => (
                    <label key={value} class="inline">
                      <input
                        type="radio"
                        name={showGroup}
                        checked={showing === value}
                        onChange={() => choose(value)}
                      />{' '}
                      {label}
                    </label>
                  ))}
                </fieldset>
              )}
            </div>
          )}
          {progress && <ProgressBar label="Download" progress={progress} />}
          <Failure error={error} />
        </figure>
      )}
    </div>
  );
};
