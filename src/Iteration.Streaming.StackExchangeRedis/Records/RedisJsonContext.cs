using System.Text.Json.Serialization;

namespace Iteration.Streaming.StackExchangeRedis.Records;

/// <summary>The JSON the Redis package writes itself: a record's entity list.</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class RedisJsonContext : JsonSerializerContext;
