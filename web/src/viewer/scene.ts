/**
 * three.js scene for scans and designs: STL, PLY and OBJ bytes downloaded (or read from disk) by
 * the caller are checked against their SHA-256 and parsed in a worker (mesh-worker.ts), which
 * hands back typed arrays; here they only become geometry and are drawn, so a 100 MB scan does
 * not freeze the page. Orbit and zoom with OrbitControls. Renders on demand (after a change or a
 * control event), not in a loop, so an idle page costs nothing.
 */
import {
  AmbientLight,
  Box3,
  BufferAttribute,
  BufferGeometry,
  Color,
  DirectionalLight,
  Group,
  Line,
  LineBasicMaterial,
  LineSegments,
  Mesh,
  MeshBasicMaterial,
  MeshStandardMaterial,
  type Object3D,
  PerspectiveCamera,
  Points,
  PointsMaterial,
  Raycaster,
  Scene,
  Sphere,
  SphereGeometry,
  Vector2,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { runInWorker } from '../workers/protocol';
import type { MeshFormat, ParsedPart, ParseRequest } from './mesh-parse';

/** A scan (the lab's input) or a design (the designer's, or a delivered version). */
export type MeshRole = 'scan' | 'design';
export type Showing = MeshRole | 'both';

export interface MeshScene {
  /**
   * Checks (when `sha256` is given) and parses the bytes off the main thread, then draws them.
   * `bytes` is transferred to the worker: it is unusable here afterwards. Rejects with the
   * worker's message (a bad file, a SHA-256 mismatch); stops when the scene is disposed.
   */
  add(
    format: MeshFormat,
    bytes: ArrayBuffer,
    index: number,
    role?: MeshRole,
    opts?: { sha256?: string },
  ): Promise<void>;
  /** Which meshes are drawn: scans, designs, or both overlaid (the designs half transparent). */
  show(which: Showing): void;
  /** Measuring: each click (not a drag) on a shown mesh picks a point; two give the distance. */
  measure(on: boolean, onDistance: (mm: number | undefined) => void): void;
  /** How many meshes are drawn now. */
  visibleCount(): number;
  dispose(): void;
}

const COLOURS = [0xd9c7a3, 0x6f9fd8, 0xc77d7d];

const parseOffThread = (request: ParseRequest, signal: AbortSignal) =>
  runInWorker<ParsedPart[]>(
    new Worker(new URL('./mesh-worker.ts', import.meta.url), { type: 'module' }),
    request,
    {
      transfer: [request.bytes],
      signal,
      startFailure: 'The viewer could not start its mesh reader; reload the page.',
    },
  );

/** The worker's arrays as geometry, bounds included (three.js would walk every vertex for them). */
const geometryOf = (part: ParsedPart) => {
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new BufferAttribute(part.position, 3));
  if (part.normal) geometry.setAttribute('normal', new BufferAttribute(part.normal, 3));
  if (part.index) geometry.setIndex(new BufferAttribute(part.index, 1));
  const [x0 = 0, y0 = 0, z0 = 0, x1 = 0, y1 = 0, z1 = 0] = part.box;
  geometry.boundingBox = new Box3(new Vector3(x0, y0, z0), new Vector3(x1, y1, z1));
  const [cx = 0, cy = 0, cz = 0, r = 0] = part.sphere;
  geometry.boundingSphere = new Sphere(new Vector3(cx, cy, cz), r);
  return geometry;
};

export const createScene = (canvas: HTMLCanvasElement): MeshScene => {
  // preserveDrawingBuffer: the frame stays readable (screenshots, and the browser test reads pixels back).
  const renderer = new WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
  renderer.setSize(canvas.width, canvas.height, false);
  const scene = new Scene();
  scene.background = new Color(0x1f2933);
  const camera = new PerspectiveCamera(40, canvas.width / canvas.height, 0.1, 10_000);
  camera.position.set(0, 0, 100);
  scene.add(new AmbientLight(0xffffff, 0.6));
  const light = new DirectionalLight(0xffffff, 1.2);
  light.position.set(1, 1, 2);
  scene.add(light);
  const group = new Group();
  scene.add(group);
  const controls = new OrbitControls(camera, canvas);
  const render = () => renderer.render(scene, camera);
  controls.addEventListener('change', render);
  const roles = new Map<Object3D, MeshRole>();
  // Disposing stops the meshes still being parsed (their workers are ended).
  const stopped = new AbortController();
  let showing: Showing = 'both';
  const applyShowing = () => {
    const overlay = showing === 'both' && new Set(roles.values()).size > 1;
    for (const [object, role] of roles) {
      object.visible = showing === 'both' || showing === role;
      object.traverse((child) => {
        if (child instanceof Mesh && child.material instanceof MeshStandardMaterial) {
          // Overlaid, the design is see-through so the scan shows where it sits.
          child.material.transparent = overlay && role === 'design';
          child.material.opacity = overlay && role === 'design' ? 0.55 : 1;
        }
      });
    }
  };

  // Measuring: markers and the line between them live outside `group` (never framed or picked).
  const marks = new Group();
  scene.add(marks);
  const picked: Vector3[] = [];
  let measuring: ((mm: number | undefined) => void) | undefined;
  const raycaster = new Raycaster();
  let downAt: { x: number; y: number } | undefined;
  const onDown = (e: PointerEvent) => {
    downAt = { x: e.clientX, y: e.clientY };
  };
  const clearMarks = () => {
    for (const child of [...marks.children]) {
      marks.remove(child);
      if (child instanceof Mesh || child instanceof Line) child.geometry.dispose();
    }
  };
  const onUp = (e: MouseEvent) => {
    if (!measuring || !downAt) return;
    // A drag orbits; only a click (moved under 5 px) picks.
    if (Math.hypot(e.clientX - downAt.x, e.clientY - downAt.y) > 5) return;
    const rect = canvas.getBoundingClientRect();
    const ndc = new Vector2(
      ((e.clientX - rect.left) / rect.width) * 2 - 1,
      -((e.clientY - rect.top) / rect.height) * 2 + 1,
    );
    raycaster.setFromCamera(ndc, camera);
    const hit = raycaster
      .intersectObject(group, true)
      .find((h) => h.object.visible && h.object.parent?.visible !== false);
    if (!hit) return;
    if (picked.length === 2) {
      picked.length = 0;
      clearMarks();
    }
    picked.push(hit.point.clone());
    const radius = new Box3().setFromObject(group).getSize(new Vector3()).length() / 200 || 0.1;
    const dot = new Mesh(new SphereGeometry(radius, 12, 8), new MeshBasicMaterial({ color: 0xffd23f }));
    dot.position.copy(hit.point);
    marks.add(dot);
    const [a, b] = picked;
    if (a && b) {
      marks.add(
        new Line(new BufferGeometry().setFromPoints([a, b]), new LineBasicMaterial({ color: 0xffd23f })),
      );
      // Scan and design files are in millimetres (STL has no unit; dental CAD writes mm).
      measuring(a.distanceTo(b));
    } else measuring(undefined);
    render();
  };
  canvas.addEventListener('pointerdown', onDown);
  canvas.addEventListener('click', onUp);

  const frame = () => {
    const box = new Box3().setFromObject(group);
    if (box.isEmpty()) return;
    const centre = box.getCenter(new Vector3());
    const radius = box.getSize(new Vector3()).length() / 2 || 1;
    controls.target.copy(centre);
    camera.position.copy(centre).add(new Vector3(0, -radius * 0.8, radius * 2.4));
    camera.near = radius / 100;
    camera.far = radius * 100;
    camera.updateProjectionMatrix();
    controls.update();
  };

  return {
    async add(format, bytes, index, role = 'scan', opts = {}) {
      const parts = await parseOffThread(
        { format, bytes, ...(opts.sha256 ? { sha256: opts.sha256 } : {}) },
        stopped.signal,
      );
      const material = new MeshStandardMaterial({ color: COLOURS[index % COLOURS.length], roughness: 0.6 });
      const object = new Group();
      for (const part of parts) {
        const geometry = geometryOf(part);
        object.add(
          part.kind === 'mesh'
            ? new Mesh(geometry, material)
            : part.kind === 'lines'
              ? new LineSegments(geometry, new LineBasicMaterial({ color: material.color }))
              : new Points(
                  geometry,
                  new PointsMaterial({ color: material.color, size: 1, sizeAttenuation: false }),
                ),
        );
      }
      group.add(object);
      roles.set(object, role);
      applyShowing();
      frame();
      render();
    },
    show(which) {
      showing = which;
      applyShowing();
      render();
    },
    measure(on, onDistance) {
      measuring = on ? onDistance : undefined;
      picked.length = 0;
      clearMarks();
      render();
    },
    visibleCount() {
      return [...roles.keys()].filter((o) => o.visible).length;
    },
    dispose() {
      stopped.abort();
      canvas.removeEventListener('pointerdown', onDown);
      canvas.removeEventListener('click', onUp);
      controls.dispose();
      renderer.dispose();
    },
  };
};
