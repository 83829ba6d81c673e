# plot.gp - time until every node has the whole set, versus N, per method,
# with the physical limit S/L.
#   gnuplot -e "csv='scale.csv'; png='scale.png'; ideal=3.37; title='...'" plot.gp
set datafile separator ","
set terminal pngcairo size 900,600 font ",11"
set output png
set title "Distribution at scale: ".title
set xlabel "nodes N (a file-server node besides)"
set ylabel "seconds until every node has the whole set"
set logscale xy 2
set xrange [3.5:72]
set xtics (4, 8, 16, 32, 64)
set key top left
set grid
# One method's complete runs (nodes_ok == nodes), so each line is unbroken.
rows(m) = sprintf("< awk -F, '$2 == \"%s\" && $13 == $1 && $7 != \"nan\"' %s", m, csv)
plot rows("naive") using 1:7 with linespoints lw 2 pt 7 title "naive (every node reads the file server)", \
     rows("sbcast") using 1:7 with linespoints lw 2 pt 5 title "sbcast", \
     rows("dsl-lazy") using 1:7 with linespoints lw 2 pt 9 title "dslswarm lazy", \
     rows("dsl-all") using 1:7 with linespoints lw 2 pt 11 title "dslswarm wait=all", \
     ideal with lines dt 2 lw 2 lc rgb "black" title "S/L (physical limit)", \
     1.5 * ideal with lines dt 3 lw 1 lc rgb "gray40" title "1.5 S/L (target at N=32)"
