/**
 * One value loaded on first use and kept until cleared. A failed load is not kept, so the next
 * use retries; a load that fails after clear() cannot remove what came after it.
 */
export class PromiseCache<T> {
  private value: Promise<T> | undefined;

  get(load: () => Promise<T>): Promise<T> {
    if (this.value) {
      return this.value;
    }
    const loading = load();
    this.value = loading;
    loading.catch(() => {
      if (this.value === loading) {
        this.value = undefined;
      }
    });
    return loading;
  }

  clear(): void {
    this.value = undefined;
  }
}
