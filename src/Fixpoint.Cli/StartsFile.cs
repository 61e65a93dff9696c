using Fixpoint.Census;
using Fixpoint.IO;
using Fixpoint.Training;

namespace Fixpoint.Cli;

/// <summary>Points given in a file (--starts-file, --points, --inputs-file): read here, so that the census only ever sees points.</summary>
internal static class StartsFile
{
    /// <summary>Reads a CSV of numbers (gzip too), one point per row; a first line that is not numeric is a header. The reader is the data sets' (<see cref="CsvDatasetReader"/>); a bad file throws <see cref="ModelFormatException"/>.</summary>
    public static PointListStarts ReadCsv(string path)
    {
        try
        {
            Dataset d = CsvDatasetReader.Read(path);
            return new PointListStarts(path, d.Features, d.Dimension);
        }
        catch (DataFormatException e)
        {
            throw new ModelFormatException(e.Message);
        }
    }
}
