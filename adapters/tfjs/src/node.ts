/** Node-only parts of @reptile/tfjs: save and load LayersModels in folders without tfjs-node. */
export { type FileSystemOptions, fileSystem, registerFileSystemRouter } from './io/file-system.ts';
export * from './models/index.ts';
