# model.gp - the model of model.py next to the measured points.
#   gnuplot -e "csv='model.csv'; png='model.png'; ideal=3.37" model.gp
set datafile separator ","
set terminal pngcairo size 900,600 font ",11"
set output png
set title "Time until every node has the whole set: model (lines) and measured (points), S = 8 MiB, L = 20 Mbit/s"
set xlabel "nodes N"
set ylabel "seconds"
set logscale xy 2
set xrange [3.5:20000]
set xtics (4, 16, 64, 256, 1024, 4096, 16384)
set key top left
set grid
plot csv using 1:6 every ::1 with lines lw 2 lc rgb "#c03030" title "naive (model: launch + N S/L)", \
     csv using 1:9 every ::1 with points pt 7 ps 1.3 lc rgb "#c03030" title "naive, measured", \
     csv using 1:5 every ::1 with lines lw 2 lc rgb "#3060c0" title "sbcast tree, width 16 (model)", \
     csv using 1:8 every ::1 with points pt 5 ps 1.3 lc rgb "#3060c0" title "sbcast, measured", \
     csv using 1:4 every ::1 with lines lw 2 lc rgb "#209040" title "dslswarm (model)", \
     csv using 1:7 every ::1 with points pt 9 ps 1.5 lc rgb "#209040" title "dslswarm lazy, measured", \
     ideal with lines dt 2 lw 2 lc rgb "black" title "S/L"
