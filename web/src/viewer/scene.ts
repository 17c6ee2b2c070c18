/**
 * three.js scene for scans and designs: STL, PLY and OBJ parsed from bytes already downloaded
 * (and SHA-256-checked) by the caller; orbit and zoom with OrbitControls. Renders on demand
 * (after a change or a control event), not in a loop, so an idle page costs nothing.
 */
import {
  AmbientLight,
  Box3,
  type BufferGeometry,
  Color,
  DirectionalLight,
  Group,
  Mesh,
  MeshStandardMaterial,
  PerspectiveCamera,
  Scene,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { STLLoader } from 'three/examples/jsm/loaders/STLLoader.js';

export interface MeshScene {
  add(format: 'stl' | 'ply' | 'obj', bytes: ArrayBuffer, index: number): void;
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
    add(format, bytes, index) {
      const material = new MeshStandardMaterial({ color: COLOURS[index % COLOURS.length], roughness: 0.6 });
      if (format === 'obj') {
        const object = new OBJLoader().parse(new TextDecoder().decode(bytes));
        object.traverse((child) => {
          if (child instanceof Mesh) child.material = material;
        });
        group.add(object);
      } else {
        const geometry: BufferGeometry =
          format === 'stl' ? new STLLoader().parse(bytes) : new PLYLoader().parse(bytes);
        if (!geometry.hasAttribute('normal')) geometry.computeVertexNormals();
        group.add(new Mesh(geometry, material));
      }
      frame();
      render();
    },
    dispose() {
      controls.dispose();
      renderer.dispose();
    },
  };
};
