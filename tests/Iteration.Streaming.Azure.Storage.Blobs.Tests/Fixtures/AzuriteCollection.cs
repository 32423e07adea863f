namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;

/// <summary>Every test that talks to Azurite shares one service; each uses containers of its own.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
