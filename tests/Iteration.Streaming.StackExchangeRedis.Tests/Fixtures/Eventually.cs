using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>Waits for a condition that other work makes true, re-checking after each await, never sleeping.</summary>
public static class Eventually
{
    public static Task TrueAsync(Func<bool> condition) => TrueAsync(() => Task.FromResult(condition()));

    /// <summary>
    /// Re-checks after each yield of the thread pool (or each Redis round trip the condition makes); fails after the patience.
    /// </summary>
    public static async Task TrueAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + AsyncTestExtensions.Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true in time.");
            }

            await Task.Yield();
        }
    }
}
