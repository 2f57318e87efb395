using CsCheck;

namespace SensorOdl.Daemon.Tests.Fuzz;

/// <summary>
/// How many cases a fuzz property runs and how it reports. CI: <see cref="Count"/> = 10,000 (or
/// SENSORODL_FUZZ_CASES), CsCheck stops at the first failure and shrinks it. With SENSORODL_FUZZ_REPORT=FILE
/// (`bench/fuzz.sh N`) every case runs, failures are counted, and one line `fuzz NAME: N cases, K crashes` is appended to FILE.
/// </summary>
static class FuzzCases
{
    public static long Count => long.TryParse(Environment.GetEnvironmentVariable("SENSORODL_FUZZ_CASES"), out long n) && n > 0 ? n : 10_000;

    static string? Seed => Environment.GetEnvironmentVariable("SENSORODL_FUZZ_SEED") is { Length: > 0 } s ? s : null;

    /// <param name="share">The part of <see cref="Count"/> this property runs (the file parsers touch the disk per case).</param>
    public static async Task RunAsync<T>(Gen<T> gen, Func<T, Task> check, string name, double share = 1)
    {
        long count = Math.Max(1, (long)(Count * share));
        if (Environment.GetEnvironmentVariable("SENSORODL_FUZZ_REPORT") is not { Length: > 0 } report)
        {
            await gen.SampleAsync(check, iter: count, threads: 1, seed: Seed);
            return;
        }
        long crashes = 0;
        string? first = null;
        await gen.SampleAsync(async value =>
        {
            try { await check(value); }
            catch (Exception e)
            {
                crashes++;
                first ??= $"{value}: {e}";
            }
        }, iter: count, threads: 1, seed: Seed);
        File.AppendAllText(report, $"fuzz {name}: {count} cases, {crashes} crashes\n");
        Assert.True(crashes == 0, $"{crashes} of {count} cases failed; the first: {first}");
    }

    public static Task RunAsync<T>(Gen<T> gen, Action<T> check, string name, double share = 1) => RunAsync(gen, value =>
    {
        check(value);
        return Task.CompletedTask;
    }, name, share);
}
