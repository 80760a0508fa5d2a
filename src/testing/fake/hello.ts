import type { HelloRequest, HelloResponse } from '../../generated/hello/v1/hello.js';

/**
 * `hello.v1.HelloService` as the Go server answers it: a greeting for the name, or "world".
 *
 * @example
 * await helloService().hello({ name: 'pantry' }) // { message: 'Hello, pantry!' }
 */
export function helloService() {
  return {
    async hello(req: HelloRequest): Promise<HelloResponse> {
      return { message: `Hello, ${req.name === '' ? 'world' : req.name}!` };
    },
  };
}
