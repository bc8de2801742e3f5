/**
 * What `import * as tf from '@tensorflow/tfjs'` gives a tfjs project (core ops, layers, the cpu
 * backend), for scripts in this repository that cannot resolve the @tensorflow packages
 * themselves (examples/ is not a workspace package). Not part of @reptile/tfjs' API.
 */
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
