namespace Fixpoint.IO;

/// <summary>A model or data file that cannot be used, with a message that names the problem and the file.</summary>
public sealed class ModelFormatException(string message) : Exception(message);
