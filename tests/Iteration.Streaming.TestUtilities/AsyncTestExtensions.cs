namespace Iteration.Streaming.TestUtilities;

/// <summary>Guards against a hanging test: waits for async work, never sleeps.</summary>
public static class AsyncTestExtensions
{
    /// <summary>How long a test waits for something that should happen promptly before it fails.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static Task WithPatience(this Task task) => task.WaitAsync(Patience);

    public static Task<T> WithPatience<T>(this Task<T> task) => task.WaitAsync(Patience);

    public static Task<T> WithPatience<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Patience);
}
