// Stands in for '@tensorflow/tfjs' in this repository (see adapters/tfjs/src/umbrella.ts).
export * from '../../adapters/tfjs/src/umbrella.ts';
