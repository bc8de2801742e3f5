// Stands in for '@reptile/tfjs' (examples/ is not a workspace package).
export * from '../../adapters/tfjs/src/index.ts';
