// biome-ignore-all assist/source/organizeImports: the founding example is kept exactly as written
// biome-ignore-all format: the founding example is kept exactly as written
// The founding example, exactly as in the README and issue #8. It reads train_data.csv and
// test_data.csv from the current directory (`pnpm reptile demo` writes them from real MNIST
// digits; founding-example.test.ts runs this file on small ones).
import { Model, Data, Optimizer, Loss, layers } from 'reptile';
const trainData = await Data.fromFile('train_data.csv');
const testData = await Data.fromFile('test_data.csv');
const model = new Model();
model.add(layers.Dense(128, { activation: 'relu' }));
model.add(layers.Dense(64, { activation: 'relu' }));
model.add(layers.Dense(10, { activation: 'softmax' }));
const criterion = Loss.CrossEntropy();
const optimizer = Optimizer.ZooKeeper({ lr: 0.01 });
await model.fit(trainData, { criterion, optimizer, epochs: 10 });
const accuracy = await model.evaluate(testData);
console.log('Test accuracy:', accuracy);
