import { describe, expect, it } from 'vitest';
import { snakeCase } from './layer.ts';

describe('snakeCase (generated layer names follow Keras)', () => {
  it.each([
    ['Dense', 'dense'],
    ['BatchNormalization', 'batch_normalization'],
    ['Conv2D', 'conv2d'],
    ['MaxPool2D', 'max_pool2d'],
    ['GlobalAveragePooling2D', 'global_average_pooling2d'],
    ['LSTM', 'lstm'],
    ['GRU', 'gru'],
  ])('%s → %s', (name, snake) => {
    expect(snakeCase(name)).toBe(snake);
  });
});
