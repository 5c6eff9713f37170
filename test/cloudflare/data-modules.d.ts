/** Files a test Worker imports as `Data` modules (wrangler's default rule for *.bin), typed as workerd hands them over. */
declare module '*.bin' {
  const data: ArrayBuffer;
  export default data;
}
