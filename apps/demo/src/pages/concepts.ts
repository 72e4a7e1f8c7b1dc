// Concepts: the same small model — a window of 24 steps × 3 sensors, LSTM(16), Dense(1) — in Loom,
// Keras and PyTorch, side by side.
import { byId, code, el } from '../dom.js';
import { run } from '../shell.js';

const LOOM = `import { layers, optimizers, sequential } from '@loom/nn';

const model = sequential([
  layers.lstm({ units: 16, inputShape: [24, 3] }),
  layers.dense({ units: 1 }),
]);
model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse' });
await model.fit(x, y, { epochs: 5, batchSize: 64 });   // eager: every op runs as it is called`;

const KERAS = `import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(24, 3)),
    layers.LSTM(16),
    layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
model.fit(x, y, epochs=5, batch_size=64)   # compiled to a graph by tf.function`;

const TORCH = `import torch
from torch import nn

class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(input_size=3, hidden_size=16, batch_first=True)
        self.out = nn.Linear(16, 1)
    def forward(self, x):                   # the graph is built as this runs
        h, _ = self.lstm(x)
        return self.out(h[:, -1])

model = Forecaster()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for xb, yb in batches:                      # you write the loop
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(xb), yb)
    loss.backward()                         # backpropagation
    opt.step()                              # the optimizer's update`;

run('concepts', () => {
  byId('three-ways').append(
    el('div', { class: 'card' }, el('h3', {}, 'Loom (TypeScript, eager)'), code(LOOM)),
    el('div', { class: 'card' }, el('h3', {}, 'Keras (Python, TensorFlow)'), code(KERAS, 'python')),
    el('div', { class: 'card' }, el('h3', {}, 'PyTorch (Python, dynamic graph)'), code(TORCH, 'python')),
  );
});
