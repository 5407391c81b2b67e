export { busContract, type BusContractFactory, type BusUnderTest } from './bus.contract';
