/**
 * Test support shared across packages (`@reptile/core/testing`): generators and operands that
 * several suites need in the same form. Not part of the runtime API.
 */
export { type ConvGeometry, convGeometry, convShapes, convWithGradients, quarters } from './conv-cases.ts';
