export { busContract, type BusContractFactory, type BusUnderTest } from './bus.contract';
export { eventually, sleep } from './eventually';
