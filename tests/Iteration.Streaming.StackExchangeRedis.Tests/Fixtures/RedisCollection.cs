namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>Every test that talks to Redis shares one server and runs serially (server-wide counters stay meaningful).</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis";
}
