using System.Diagnostics;

namespace SensorOdl.Integration.Tests.Infrastructure;

/// <summary>
/// Waiting for a condition instead of sleeping for a guessed time: polls until the condition holds and fails
/// with a message naming what never happened once the (generous) deadline has passed. On a busy machine a test
/// then takes as long as the daemon needs, not as long as someone guessed.
/// </summary>
public static class Eventually
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    /// <param name="what">What is awaited, as it should read in "… did not happen within N s".</param>
    /// <param name="diagnostics">Appended to the failure (daemon and broker output).</param>
    public static Task WaitAsync(Func<bool> condition, TimeSpan deadline, string what, Func<string>? diagnostics = null) =>
        WaitAsync(() => Task.FromResult(condition()), deadline, what, diagnostics);

    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan deadline, string what, Func<string>? diagnostics = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > deadline)
            {
                // One last look: the deadline may have passed while the machine was busy elsewhere.
                if (await condition()) return;
                throw new TimeoutException($"{what}: did not happen within {deadline.TotalSeconds:0.#} s.{(diagnostics is null ? "" : "\n" + diagnostics())}");
            }
            await Task.Delay(Poll);
        }
    }

    /// <summary>Waits for a value: <paramref name="probe"/> returns null until it is there.</summary>
    public static async Task<T> ValueAsync<T>(Func<T?> probe, TimeSpan deadline, string what, Func<string>? diagnostics = null) where T : class
    {
        T? value = null;
        await WaitAsync(() => (value = probe()) is not null, deadline, what, diagnostics);
        return value!;
    }
}
