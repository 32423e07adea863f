namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// Half of the browser tests: they share one Chromium and run one at a time. The other half, in
/// <see cref="SecondBrowserCollection"/>, runs beside it with a Chromium of its own: a browser test mostly waits on the
/// page, so the two halves together take about as long as one.
/// </summary>
/// <remarks>Put a new browser test class in the collection whose tests take less time in total (the trx durations).</remarks>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
