using System.Text.Json;
using System.Text.Json.Serialization;

namespace HelloWeb;

/// <summary>The seed's answer: <c>{"code":1,"content":"Hello CyberDB!"}</c>.</summary>
internal sealed record HelloResponse(int Code, string Content);

/// <summary>Source-generated JSON for <see cref="HelloResponse"/> (camelCase names: code, content).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HelloResponse))]
internal sealed partial class HelloJsonContext : JsonSerializerContext;
