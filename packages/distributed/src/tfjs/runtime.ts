/**
 * tfjs for scripts in this repository that cannot resolve the @tensorflow packages themselves
 * (examples/ is not a workspace package): the same module instances the tfjs adapter uses, with
 * the CPU backend registered. In a project of your own, import '@tensorflow/tfjs' instead.
 */
import '@tensorflow/tfjs-backend-cpu';

export * as tf from '@tensorflow/tfjs-core';
export * as tfl from '@tensorflow/tfjs-layers';
