export async function dockerAvailable(): Promise<boolean> { return false; }
export async function startDockerStack(): Promise<never> { throw new Error('todo'); }
