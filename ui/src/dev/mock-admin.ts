// Development only: pretend data for administration pages (see mock.ts).
import { addDevHandler } from './mock';

addDevHandler(() => undefined);
