using System.Text.Json.Serialization;

namespace Fixpoint.IO;

/// <summary>
/// Compile-time serialisation metadata for census.json, the file every census writes: without it the serialiser
/// builds its metadata by reflection on the first write of each process, which costs more than a small census itself.
/// The rules (names, converters, null handling) are still those of <see cref="ResultJson.Options"/>, which chains this
/// context before the reflection resolver.
/// </summary>
[JsonSerializable(typeof(CensusFile))]
internal sealed partial class ResultJsonContext : JsonSerializerContext;
