// Worker thread: computes one utterance's features and writes its cache file.
import { parentPort } from 'node:worker_threads';
import { processUtterance, type WorkItem } from './preprocess.js';

parentPort!.on('message', (item: WorkItem) => {
  try {
    parentPort!.postMessage({ id: item.utt.id, ok: true, result: processUtterance(item) });
  } catch (e) {
    parentPort!.postMessage({ id: item.utt.id, ok: false, error: (e as Error).message });
  }
});
