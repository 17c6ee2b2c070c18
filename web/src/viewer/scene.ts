/**
 * three.js scene for scans and designs: STL, PLY and OBJ parsed from bytes already downloaded
 * (and SHA-256-checked) by the caller; orbit and zoom with OrbitControls. Renders on demand
 * (after a change or a control event), not in a loop, so an idle page costs nothing.
 */
import {
  AmbientLight,
  Box3,
  BufferGeometry,
  Color,
  DirectionalLight,
  Group,
  Line,
  LineBasicMaterial,
  Mesh,
  MeshBasicMaterial,
  MeshStandardMaterial,
  type Object3D,
  PerspectiveCamera,
  Raycaster,
  Scene,
  SphereGeometry,
  Vector2,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { STLLoader } from 'three/examples/jsm/loaders/STLLoader.js';

/** A scan (the lab's input) or a design (the designer's, or a delivered version). */
export type MeshRole = 'scan' | 'design';
export type Showing = MeshRole | 'both';

export interface MeshScene {
  add(format: 'stl' | 'ply' | 'obj', bytes: ArrayBuffer, index: number, role?: MeshRole): void;
  /** Which meshes are drawn: scans, designs, or both overlaid (the designs half transparent). */
  show(which: Showing): void;
  /** Measuring: each click (not a drag) on a shown mesh picks a point; two give the distance. */
  measure(on: boolean, onDistance: (mm: number | undefined) => void): void;
  /** How many meshes are drawn now. */
  visibleCount(): number;
  dispose(): void;
}

const COLOURS = [0xd9c7a3, 0x6f9fd8, 0xc77d7d];

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
    add(format, bytes, index, role = 'scan') {
      const material = new MeshStandardMaterial({ color: COLOURS[index % COLOURS.length], roughness: 0.6 });
      let object: Object3D;
      if (format === 'obj') {
        object = new OBJLoader().parse(new TextDecoder().decode(bytes));
        object.traverse((child) => {
          if (child instanceof Mesh) child.material = material;
        });
      } else {
        const geometry: BufferGeometry =
          format === 'stl' ? new STLLoader().parse(bytes) : new PLYLoader().parse(bytes);
        if (!geometry.hasAttribute('normal')) geometry.computeVertexNormals();
        object = new Mesh(geometry, material);
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
      canvas.removeEventListener('pointerdown', onDown);
      canvas.removeEventListener('click', onUp);
      controls.dispose();
      renderer.dispose();
    },
  };
};
