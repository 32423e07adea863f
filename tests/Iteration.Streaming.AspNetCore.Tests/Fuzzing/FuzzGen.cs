using System.Text.Json.Nodes;
using CsCheck;

namespace Iteration.Streaming.AspNetCore.Tests.Fuzzing;

/// <summary>Generators of hostile HTTP inputs.</summary>
internal static class FuzzGen
{
    /// <summary>Printable ASCII, what a header value may carry.</summary>
    public static readonly Gen<char> HeaderChar = Gen.Char[' ', '~'];

    /// <summary>Any UTF-16 code unit but a surrogate (URLs are escaped from valid text), weighted towards the troublesome ones.</summary>
    public static readonly Gen<char> TextChar = Gen.Frequency(
        (10, Gen.Char[' ', '~']),
        (3, Gen.Char["./\\%?#&=+;:@!$'()*,[]{}<>\"|^`~-_ "]),
        (2, Gen.Char['\0', '\u001f']),
        (2, Gen.Char['\u0080', '\u00ff']),
        (1, Gen.Char['\u0100', '\ud7ff']),
        (1, Gen.Char['\ue000', '\uffff']));

    public static Gen<string> Text(int max) => TextChar.Array[0, max].Select(chars => new string(chars));

    /// <summary>
    /// Text for a URL path: no NUL, which Kestrel itself refuses in a decoded path (400, before any endpoint runs:
    /// nothing of ours to answer with Problem Details; <c>KestrelRefusesANulInThePath</c> pins that down).
    /// </summary>
    public static Gen<string> PathText(int max) => Text(max).Select(s => s.Replace("\0", string.Empty, StringComparison.Ordinal));

    public static Gen<string> HeaderText(int max) => HeaderChar.Array[0, max].Select(chars => new string(chars).Trim());

    /// <summary>Text that looks like a token: base64url pieces and dots, sometimes long.</summary>
    public static readonly Gen<string> TokenLike = Gen.Frequency(
        (4, Gen.String["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."].Array[0, 3].Select(parts => string.Concat(parts))),
        (2, HeaderText(300)),
        (1, Gen.Char['A', 'z'].Array[250, 400].Select(chars => new string(chars) + "." + new string(chars))));

    /// <summary>Ids: UUID-like, hostile text, very long.</summary>
    public static readonly Gen<string> GenerationIdLike = Gen.Frequency(
        (3, Gen.Const(() => Guid.NewGuid().ToString())),
        (3, PathText(40)),
        (1, Gen.String["abcdef0123456789-_"].Array[1, 4].Select(parts => string.Concat(parts))),
        (1, Gen.Char['a', 'f'].Array[129, 300].Select(chars => new string(chars))))
        .Where(id => id.Length > 0 && id is not "." and not "..");

    /// <summary>A JSON value of any kind, strings hostile.</summary>
    public static readonly Gen<JsonNode?> AnyJson = Gen.Frequency(
        (4, Text(60).Select(s => (JsonNode?)JsonValue.Create(s))),
        (1, Gen.Const<JsonNode?>((JsonNode?)null)),
        (1, Gen.Long.Select(n => (JsonNode?)JsonValue.Create(n))),
        (1, Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))),
        (1, Text(20).Array[0, 8].Select(items => (JsonNode?)new JsonArray([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]))),
        (1, Gen.Const<JsonNode?>(() => new JsonObject { ["nested"] = new JsonArray(1, "x", null) })));

    /// <summary>A string field: usually a string (sometimes over the limits), sometimes anything else.</summary>
    private static readonly Gen<JsonNode?> StringField = Gen.Frequency(
        (6, Text(80).Select(s => (JsonNode?)JsonValue.Create(s))),
        (1, Gen.Char['a', 'z'].Array[190, 260].Select(chars => (JsonNode?)JsonValue.Create(new string(chars)))),
        (2, AnyJson));

    private static readonly Gen<JsonNode?> EntitiesField = Gen.Frequency(
        (4, Gen.String["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"].Array[0, 7].Select(items => (JsonNode?)new JsonArray([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]))),
        (2, Text(30).Array[0, 7].Select(items => (JsonNode?)new JsonArray([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]))),
        (2, AnyJson));

    /// <summary>Bytes of a body: structured JSON with hostile fields, a soup of JSON tokens, or random bytes.</summary>
    public static Gen<byte[]> Body(params string[] fields) => Gen.Frequency(
        (5, Structured(fields).Select(json => System.Text.Encoding.UTF8.GetBytes(json))),
        (2, Soup.Select(json => System.Text.Encoding.UTF8.GetBytes(json))),
        (2, Gen.Byte.Array[0, 400]),
        (1, Gen.Byte.Array[5_000, 9_000]));

    private static Gen<string> Structured(string[] fields) =>
        Gen.Select(StringField, EntitiesField, StringField, Gen.Int[0, 3], (a, entities, b, extra) =>
        {
            var body = new JsonObject();
            for (var i = 0; i < fields.Length; i++)
            {
                body[fields[i]] = fields[i] == "entities" ? entities : (i % 2 == 0 ? a : b)?.DeepClone();
            }

            if (extra == 0)
            {
                body["unknown_field"] = "ignored";
            }

            return body.ToJsonString();
        });

    private static readonly Gen<string> Soup = Gen.OneOf(
        "{", "}", "[", "]", ":", ",", "\"prompt\"", "\"entities\"", "\"parent_generation_id\"", "\"modification_prompt\"",
        "null", "true", "1e999", "-0", "\"\\u0000\"", "\"x\"", "\"\\ud800\"", " ", "\"", "\\", "NaN", "\"\\uZZZZ\"", "/*", "*/")
        .Array[0, 40].Select(tokens => string.Concat(tokens));

    public static readonly Gen<string?> ContentType = Gen.Frequency(
        (8, Gen.Const<string?>("application/json")),
        (1, Gen.OneOf<string?>("application/json; charset=utf-8", "application/problem+json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", null)));
}
