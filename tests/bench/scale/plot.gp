# plot.gp - time until every node has the whole set, versus N, per method,
# with the physical limit S/L.  gnuplot -e "csv='scale.csv'; png='scale.png'; title='...'" plot.gp
set datafile separator ","
set terminal pngcairo size 900,600 font ",11"
set output png
set title "Distribution at scale: ".title
set xlabel "nodes N"
set ylabel "seconds until every node has the whole set"
set logscale xy 2
set xtics (4, 8, 16, 32, 64)
set key top left
set grid
f(m, want) = (strcol(2) eq want) ? column(m) : NaN
plot csv using 1:(f(7, "naive")) with linespoints lw 2 title "naive (every node reads the file server)", \
     csv using 1:(f(7, "sbcast")) with linespoints lw 2 title "sbcast", \
     csv using 1:(f(7, "dsl-lazy")) with linespoints lw 2 title "dslswarm lazy", \
     csv using 1:(f(7, "dsl-all")) with linespoints lw 2 title "dslswarm wait=all", \
     csv using 1:(f(6, "naive")) with lines dt 2 lw 2 lc rgb "black" title "S/L"
