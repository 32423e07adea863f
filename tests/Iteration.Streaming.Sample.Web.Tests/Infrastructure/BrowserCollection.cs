namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>The browser tests share one Chromium and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
