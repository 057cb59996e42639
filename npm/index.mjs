// The ES module entry point: index.cjs's functions (one implementation, so
// import and require give the same ones).
import theater from './index.cjs';

export const { getLoadablePath, load } = theater;
export default theater;
